import type { ConnectionDto } from "@contract";
import { Alert, Button, Code, Group, ScrollArea, Stack, Text } from "@mantine/core";
import { IconPlugConnected } from "@tabler/icons-react";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { keyName } from "./TargetHealthTable";

/**
 * "Test connection": the server lists the upstream's models with the first active key (one
 * round trip, 10 s at most) and answers the latency, the models, or the upstream's error.
 */
export function ConnectionTestPanel({
  connection,
  canWrite,
}: {
  connection: ConnectionDto;
  canWrite: boolean;
}) {
  const state = useConnectionsStore((s) => s.tests[connection.id]);
  const hasActiveKey = connection.keys.some((k) => k.status === "active");
  const r = state?.result;
  const usedKey =
    r &&
    keyName(
      connection.keys.find((k) => k.id === r.key_id),
      r.key_id,
    );
  return (
    <Stack gap="sm">
      <Group>
        {canWrite && (
          <Button
            leftSection={<IconPlugConnected size={16} />}
            onClick={() => void useConnectionsStore.getState().test(connection.id)}
            loading={state?.running}
            disabled={!hasActiveKey}
          >
            Test connection
          </Button>
        )}
        {!hasActiveKey && (
          <Text size="sm" c="dimmed">
            Add or re-enable a key to test this connection.
          </Text>
        )}
      </Group>
      {state?.error && (
        <Alert color="red" title="The test could not run">
          {state.error}
        </Alert>
      )}
      {r && !state?.running && (
        <Alert
          color={r.ok ? "teal" : "red"}
          title={
            r.ok
              ? `Reached in ${r.latency_ms} ms`
              : `Failed${r.error?.status != null ? ` (HTTP ${r.error.status})` : ""} after ${r.latency_ms} ms`
          }
          aria-label="Connection test result"
        >
          <Stack gap="xs">
            <Text size="sm">
              {r.ok
                ? `With key ${usedKey}: ${r.models.length} model${r.models.length === 1 ? "" : "s"} listed.`
                : `With key ${usedKey}: ${r.error?.message ?? "no reason given."}`}
            </Text>
            {r.models.length > 0 && (
              <ScrollArea.Autosize mah={160}>
                <Group gap={6} role="list" aria-label="Upstream models">
                  {r.models.map((m) => (
                    <Code key={m} role="listitem">
                      {m}
                    </Code>
                  ))}
                </Group>
              </ScrollArea.Autosize>
            )}
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
