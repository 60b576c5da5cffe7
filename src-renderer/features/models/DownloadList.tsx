import type { DownloadDto } from "@contract";
import { Badge, Button, Group, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { formatDuration } from "../../lib/formatDuration";
import { useModelsStore } from "../../stores/useModelsStore";
import { errorText } from "../members/errorText";
import { formatBytes } from "./formatBytes";

const STATE_COLOR: Record<DownloadDto["state"], string> = {
  queued: "gray",
  downloading: "blue",
  paused: "yellow",
  completed: "green",
  failed: "red",
  cancelled: "gray",
};

function progressText(d: DownloadDto): string {
  const done = formatBytes(d.bytes_done);
  const of = d.bytes_total === null ? "" : ` of ${formatBytes(d.bytes_total)}`;
  const speed =
    d.state === "downloading" && d.speed_bps > 0 ? ` · ${formatBytes(d.speed_bps)}/s` : "";
  const eta =
    d.state === "downloading" && d.eta_s !== null ? ` · ${formatDuration(d.eta_s)} left` : "";
  return `${done}${of}${speed}${eta}`;
}

function DownloadRow({
  d,
  canWrite,
  onError,
}: {
  d: DownloadDto;
  canWrite: boolean;
  onError: (m: string) => void;
}) {
  const { cancelDownload, resumeDownload, clearDownload } = useModelsStore.getState();
  const run = (p: Promise<unknown>) => void p.catch((err: unknown) => onError(errorText(err)));
  const pct = d.bytes_total ? Math.min(100, (d.bytes_done / d.bytes_total) * 100) : 0;
  const running = d.state === "queued" || d.state === "downloading";
  return (
    <Table.Tr data-download-id={d.id} data-state={d.state}>
      <Table.Td>
        <Stack gap={2}>
          <Text fw={500}>{d.model_id}</Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: "break-all" }}>
            {d.url}
          </Text>
        </Stack>
      </Table.Td>
      <Table.Td miw={260}>
        <Stack gap={4}>
          <Progress
            value={d.state === "completed" ? 100 : pct}
            animated={d.state === "downloading"}
            color={STATE_COLOR[d.state]}
            aria-label={`${d.model_id} downloaded`}
          />
          <Text size="xs" c="dimmed">
            {progressText(d)}
          </Text>
          {d.error && (
            <Text size="xs" c="red">
              {d.error}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Badge color={STATE_COLOR[d.state]} variant="light">
          {d.state}
        </Badge>
      </Table.Td>
      {canWrite && (
        <Table.Td>
          <Group gap="xs" wrap="nowrap">
            {(running || d.state === "paused") && (
              <Button size="xs" variant="light" onClick={() => run(cancelDownload(d.id))}>
                Cancel
              </Button>
            )}
            {(d.state === "cancelled" || d.state === "failed" || d.state === "paused") && (
              <Button size="xs" variant="light" onClick={() => run(resumeDownload(d.id))}>
                Resume
              </Button>
            )}
            {!running && (
              <Button
                size="xs"
                variant="subtle"
                color="gray"
                onClick={() => run(clearDownload(d.id))}
              >
                {d.state === "completed" ? "Clear" : "Discard"}
              </Button>
            )}
          </Group>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** Downloads in this server's memory: progress, speed over the last seconds, what is left. */
export function DownloadList(props: {
  downloads: DownloadDto[];
  canWrite: boolean;
  onError: (m: string) => void;
}) {
  const { downloads, canWrite, onError } = props;
  if (downloads.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="downloads-title">
      <Title order={2} size="h3" id="downloads-title">
        Downloads
      </Title>
      <Table.ScrollContainer minWidth={760}>
        <Table aria-label="Downloads">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Model</Table.Th>
              <Table.Th>Progress</Table.Th>
              <Table.Th>State</Table.Th>
              {canWrite && <Table.Th>Actions</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {downloads.map((d) => (
              <DownloadRow key={d.id} d={d} canWrite={canWrite} onError={onError} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
