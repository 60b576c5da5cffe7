import { Alert, Anchor, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { ConnectionDetail } from "./ConnectionDetail";
import { ConnectionFormPage } from "./ConnectionFormPage";
import { ConnectionList } from "./ConnectionList";
import { PoolEditor } from "./PoolEditor";
import { PoolList } from "./PoolList";
import { useCanWrite, useLiveConnections, useResetOnLeave } from "./useConnectionsPage";

/**
 * Connections & pools (staff only). Routes below `#/connections`:
 * `` the lists · `new` add a connection · `c/<id>` one connection · `c/<id>/edit` ·
 * `new-pool` · `pool/<model id>` (the id URL-encoded: it may contain `/`).
 */
export function ConnectionsPage() {
  const rest = useRouteStore((s) => s.rest);
  const [view, param, sub] = rest;
  const detailId = view === "c" ? param : undefined;
  useLiveConnections(detailId);
  useResetOnLeave();
  const loaded = useConnectionsStore((s) => s.loaded);
  const poolsLoaded = usePoolsStore((s) => s.loaded);
  const error = useConnectionsStore((s) => s.error);
  const connection = useConnectionsStore((s) => s.connections.find((c) => c.id === param));
  const pool = usePoolsStore((s) => s.pools.find((p) => p.id === param));
  const canWrite = useCanWrite();

  if (!loaded || (!poolsLoaded && view?.includes("pool")))
    return error ? (
      <Alert color="red" title="Could not read connections">
        {error}
      </Alert>
    ) : (
      <Center h={200}>
        <Loader aria-label="Reading connections…" />
      </Center>
    );

  const missing = (what: string) => (
    <Stack>
      <Text>No such {what}: it may have been deleted.</Text>
      <Anchor href="#/connections">Back to connections &amp; pools</Anchor>
    </Stack>
  );

  if (view === "new" && canWrite) return <ConnectionFormPage />;
  if (view === "c")
    return !connection ? (
      missing("connection")
    ) : sub === "edit" && canWrite ? (
      // Keyed: a form opened on one connection never keeps another's values.
      <ConnectionFormPage key={connection.id} connection={connection} />
    ) : (
      <ConnectionDetail connection={connection} />
    );
  if (view === "new-pool" && canWrite) return <PoolEditor />;
  if (view === "pool") return pool ? <PoolEditor key={pool.id} pool={pool} /> : missing("pool");

  return (
    <Stack gap="xl">
      <Stack gap={4}>
        <Title order={1} size="h2">
          Connections &amp; pools
        </Title>
        <Text c="dimmed" size="sm">
          Remote providers and the model ids members call through them. Provider keys are encrypted
          and never shown again after saving; only their last 4 characters are.
          {!canWrite && " You can look but not change anything (viewer)."}
        </Text>
      </Stack>
      <ConnectionList />
      <PoolList />
    </Stack>
  );
}
