import { Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useModelsStore } from "../../stores/useModelsStore";
import { errorText } from "../members/errorText";

/** One small form: its fields, a submit button, and the server's refusal under it. */
function useSubmit(run: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

/** Download by URL, and import a file that is already on the server's machine (admins). */
export function AddModelForms() {
  const [url, setUrl] = useState("");
  const [urlId, setUrlId] = useState("");
  const [path, setPath] = useState("");
  // Only inside the desktop app (the preload's bridge); a browser types the path.
  const pickFile = window.benchtop?.pickModelFile;
  const [pathId, setPathId] = useState("");
  const { download, importFile } = useModelsStore.getState();
  const byUrl = useSubmit(async () => {
    await download(url.trim(), urlId.trim() || undefined);
    setUrl("");
    setUrlId("");
  });
  const byPath = useSubmit(async () => {
    await importFile(path.trim(), pathId.trim() || undefined);
    setPath("");
    setPathId("");
  });
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} component="section" aria-label="Add a model">
      <Card withBorder component="form" onSubmit={(e) => void byUrl.submit(e)}>
        <Stack gap="xs">
          <Title order={3} size="h4">
            Download by URL
          </Title>
          <TextInput
            label="GGUF file URL"
            placeholder="https://huggingface.co/<org>/<repo>/resolve/main/<file>.gguf"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            required
          />
          <TextInput
            label="Model id (optional)"
            description="Defaults to the file name without .gguf"
            value={urlId}
            onChange={(e) => setUrlId(e.currentTarget.value)}
          />
          {byUrl.error && (
            <Text c="red" size="sm" role="alert">
              {byUrl.error}
            </Text>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={byUrl.busy}>
              Download
            </Button>
          </Group>
        </Stack>
      </Card>
      <Card withBorder component="form" onSubmit={(e) => void byPath.submit(e)}>
        <Stack gap="xs">
          <Title order={3} size="h4">
            Import a file
          </Title>
          <TextInput
            label="Path on the server"
            description="An absolute path on the machine running Benchtop (not this browser's)"
            placeholder="/data/models/model.gguf"
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            required
          />
          {pickFile && (
            // The desktop window runs on the server's machine: its file dialog picks a server path.
            <Group>
              <Button
                variant="default"
                onClick={() => void pickFile().then((picked) => picked && setPath(picked))}
              >
                Choose a file…
              </Button>
            </Group>
          )}
          <TextInput
            label="Model id (optional)"
            value={pathId}
            onChange={(e) => setPathId(e.currentTarget.value)}
          />
          {byPath.error && (
            <Text c="red" size="sm" role="alert">
              {byPath.error}
            </Text>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={byPath.busy}>
              Import
            </Button>
          </Group>
        </Stack>
      </Card>
    </SimpleGrid>
  );
}
