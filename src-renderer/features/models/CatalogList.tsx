import type { CatalogModelDto, DownloadDto } from "@contract";
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useModelsStore } from "../../stores/useModelsStore";
import { errorText } from "../members/errorText";
import { formatBytes, formatParameters } from "./formatBytes";

/** The page of the model on Hugging Face (the download URL without `/resolve/…`). */
const modelPage = (url: string) => url.replace(/\/resolve\/.*$/, "");

interface CatalogListProps {
  catalog: CatalogModelDto[];
  downloads: DownloadDto[];
  canWrite: boolean;
  onError: (message: string) => void;
}

/** Recommended models (resources/catalog/models.json), one click to download. */
export function CatalogList({ catalog, downloads, canWrite, onError }: CatalogListProps) {
  const download = useModelsStore((s) => s.download);
  if (catalog.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="catalog-title">
      <Title order={2} size="h3" id="catalog-title">
        Recommended models
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {catalog.map((m) => {
          const active = downloads.find(
            (d) => d.model_id === m.id && (d.state === "queued" || d.state === "downloading"),
          );
          return (
            <Card key={m.id} withBorder data-catalog-id={m.id}>
              <Stack gap="xs" h="100%">
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Text fw={600}>{m.name}</Text>
                  {m.kind === "embedding" && (
                    <Badge variant="light" style={{ minWidth: "max-content" }}>
                      embeddings
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c="dimmed" style={{ flexGrow: 1 }}>
                  {m.description}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatParameters(m.parameters)} parameters · {m.quantization} · about{" "}
                  {formatBytes(m.size_bytes)} · {m.license}
                </Text>
                <Group justify="space-between">
                  <Anchor href={modelPage(m.url)} target="_blank" rel="noreferrer" size="xs">
                    Model card
                  </Anchor>
                  {m.installed ? (
                    <Badge color="green" variant="light">
                      Installed
                    </Badge>
                  ) : canWrite ? (
                    <Button
                      size="xs"
                      leftSection={<IconDownload size={14} />}
                      disabled={active !== undefined}
                      onClick={() =>
                        void download(m.url, m.id).catch((err: unknown) => onError(errorText(err)))
                      }
                      aria-label={`Download ${m.name}`}
                    >
                      {active ? "Downloading…" : "Download"}
                    </Button>
                  ) : null}
                </Group>
              </Stack>
            </Card>
          );
        })}
      </SimpleGrid>
    </Stack>
  );
}
