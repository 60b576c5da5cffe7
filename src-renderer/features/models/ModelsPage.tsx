import { DownloadDto } from "@contract";
import { Alert, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { coalesce } from "../../lib/coalesce";
import { useAuthStore } from "../../stores/useAuthStore";
import { useEventsStore } from "../../stores/useEventsStore";
import { useModelsStore } from "../../stores/useModelsStore";
import { AddModelForms } from "./AddModelForms";
import { CatalogList } from "./CatalogList";
import { DownloadList } from "./DownloadList";
import { LocalModelTable } from "./LocalModelTable";
import { MemoryBar } from "./MemoryBar";

/** While the page is open, memory and load state are also read this often (idle unloads send no event). */
const POLL_MS = 10_000;

/**
 * Keeps the page fresh: reads on mount, on every `model.*` event and every POLL_MS; download
 * progress events update their row without a read. Forgets everything when the page closes.
 */
function useLiveModels(): void {
  useEffect(() => {
    const store = useModelsStore.getState();
    const refresh = coalesce(() => useModelsStore.getState().refresh());
    void refresh();
    const off = useEventsStore.getState().subscribe(["model."], (e) => {
      const download = DownloadDto.safeParse(e.data);
      if (e.type.startsWith("model.download.") && download.success)
        store.applyDownload(download.data);
      if (e.type !== "model.download.progress") void refresh();
    });
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => {
      off();
      clearInterval(timer);
      useModelsStore.getState().reset();
    };
  }, []);
}

/** Local GGUF models: what is there, what fits, what is loaded; downloads, imports, the catalog. */
export function ModelsPage() {
  useLiveModels();
  const list = useModelsStore((s) => s.list);
  const downloads = useModelsStore((s) => s.downloads);
  const catalog = useModelsStore((s) => s.catalog);
  const error = useModelsStore((s) => s.error);
  const role = useAuthStore((s) => s.me?.role);
  const canWrite = role === "owner" || role === "admin";
  const [actionError, setActionError] = useState<string>();

  if (!list)
    return error ? (
      <Alert color="red" title="Could not read the models">
        {error}
      </Alert>
    ) : (
      <Center h={200}>
        <Loader aria-label="Reading models…" />
      </Center>
    );

  return (
    <Stack gap="xl">
      <Stack gap={4}>
        <Title order={1} size="h2">
          Models
        </Title>
        <Text c="dimmed" size="sm">
          GGUF models served by this machine. Each loads on its first request (or with Load) with
          its own load settings; by default{" "}
          {list.engine.context_size === "auto"
            ? "the largest context that fits"
            : `${list.engine.context_size.toLocaleString("en-US")} context tokens`}{" "}
          × {list.engine.sequences} sequences. At most {list.engine.max_loaded_models} stay loaded
          at once.
          {!canWrite && " You can look but not change anything (viewer)."}
        </Text>
      </Stack>
      {error && (
        <Alert color="yellow" title="The last refresh failed">
          {error}
        </Alert>
      )}
      {actionError && (
        <Alert
          color="red"
          title="That did not work"
          withCloseButton
          onClose={() => setActionError(undefined)}
          role="alert"
        >
          {actionError}
        </Alert>
      )}
      <MemoryBar machine={list.machine} />
      <LocalModelTable
        models={list.data}
        engine={list.engine}
        gpu={list.machine.gpu}
        canWrite={canWrite}
        onError={setActionError}
      />
      <DownloadList downloads={downloads} canWrite={canWrite} onError={setActionError} />
      {canWrite && <AddModelForms />}
      <CatalogList
        catalog={catalog}
        downloads={downloads}
        canWrite={canWrite}
        onError={setActionError}
      />
    </Stack>
  );
}
