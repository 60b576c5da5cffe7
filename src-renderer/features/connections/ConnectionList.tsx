import type { ConnectionDto, TargetHealthDto } from "@contract";
import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { HealthBadge } from "./HealthBadge";
import { KindBadge } from "./KindBadge";
import { formatLatency, summarizeConnection } from "./targetHealth";
import { useCanWrite, useNow } from "./useConnectionsPage";

/** Live health of every pool target, by connection id (from `GET /pools`). */
function healthByConnection(pools: ReturnType<typeof usePoolsStore.getState>["pools"]) {
  const out: Record<string, TargetHealthDto[]> = {};
  for (const p of pools)
    for (const t of p.targets) for (const h of t.health) (out[h.connection_id] ??= []).push(h);
  return out;
}

function keyCount(c: ConnectionDto): string {
  const active = c.keys.filter((k) => k.status === "active").length;
  if (c.keys.length === 0) return "none";
  return active === c.keys.length ? String(active) : `${active} of ${c.keys.length} active`;
}

/** Every connection: kind, name, base URL, keys, declared notes and a live health summary. */
export function ConnectionList() {
  const connections = useConnectionsStore((s) => s.connections);
  const loaded = useConnectionsStore((s) => s.loaded);
  const error = useConnectionsStore((s) => s.error);
  const pools = usePoolsStore((s) => s.pools);
  const canWrite = useCanWrite();
  const now = useNow();
  const health = healthByConnection(pools);

  return (
    <Stack gap="sm" component="section" aria-labelledby="connections-title">
      <Group justify="space-between">
        <Title order={2} size="h3" id="connections-title">
          Connections
        </Title>
        {canWrite && (
          <Button component="a" href="#/connections/new" leftSection={<IconPlus size={16} />}>
            Add connection
          </Button>
        )}
      </Group>
      {error && (
        <Alert color="red" title="Could not read connections">
          {error}
        </Alert>
      )}
      {loaded && connections.length === 0 ? (
        <Text c="dimmed">
          No connections yet. Add one to serve OpenAI, Anthropic, Groq, OpenRouter or any
          OpenAI-compatible endpoint through Benchtop.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover aria-label="Connections">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Base URL</Table.Th>
                <Table.Th>Keys</Table.Th>
                <Table.Th>Region · retention</Table.Th>
                <Table.Th>Health</Table.Th>
                <Table.Th>Latency</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connections.map((c) => {
                const summary = summarizeConnection(c, health[c.id] ?? [], now);
                return (
                  <Table.Tr key={c.id} data-connection-id={c.id}>
                    <Table.Td>
                      <Anchor href={`#/connections/c/${encodeURIComponent(c.id)}`} fw={500}>
                        {c.name}
                      </Anchor>
                      {/* Secrets leave unredacted for this one: visible at a glance. */}
                      {!c.redact_secrets && (
                        <Badge color="red" variant="light" size="sm" ml="xs" tt="none">
                          KeyVault off
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <KindBadge kind={c.kind} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ wordBreak: "break-all" }}>
                        {c.base_url}
                      </Text>
                    </Table.Td>
                    <Table.Td>{keyCount(c)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c={c.region || c.retention ? undefined : "dimmed"}>
                        {[c.region, c.retention].filter(Boolean).join(" · ") || "not declared"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <HealthBadge view={summary.worst} />
                    </Table.Td>
                    <Table.Td>{formatLatency(summary.latencyMs)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
