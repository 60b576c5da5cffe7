import type { ConnectionKeyDto, TargetHealthDto } from "@contract";
import { Table, Text } from "@mantine/core";
import { HealthBadge } from "./HealthBadge";
import { describeTarget, formatLatency } from "./targetHealth";
import { useNow } from "./useConnectionsPage";

interface TargetHealthTableProps {
  health: TargetHealthDto[];
  /** Keys by id, to show `label …last4` instead of an id. */
  keys: ConnectionKeyDto[];
  /** Connection names by id; the column is left out when not given. */
  connectionName?: (id: string) => string;
  label: string;
}

/** `label …last4` of a provider key (never more of it: the server sends no more). */
export function keyName(key: ConnectionKeyDto | undefined, id: string): string {
  if (!key) return id;
  return key.last4 ? `${key.label} …${key.last4}` : key.label;
}

/**
 * Live health of routes (a key × an upstream model): the state with time left, requests in
 * flight, the latency average and failures in a row. Time left counts down each second.
 */
export function TargetHealthTable({ health, keys, connectionName, label }: TargetHealthTableProps) {
  const now = useNow();
  if (health.length === 0)
    return (
      <Text c="dimmed" size="sm">
        No routes yet: health appears once a pool uses this connection and it has a key.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {connectionName && <Table.Th>Connection</Table.Th>}
            <Table.Th>Key</Table.Th>
            <Table.Th>Upstream model</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>In flight</Table.Th>
            <Table.Th>Latency</Table.Th>
            <Table.Th>Failures in a row</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {health.map((h) => (
            <Table.Tr key={h.target_id} data-target-id={h.target_id}>
              {connectionName && <Table.Td>{connectionName(h.connection_id)}</Table.Td>}
              <Table.Td>
                {keyName(
                  keys.find((k) => k.id === h.key_id),
                  h.key_id,
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {h.upstream_model}
                </Text>
              </Table.Td>
              <Table.Td>
                <HealthBadge view={describeTarget(h, now)} />
              </Table.Td>
              <Table.Td>{h.in_flight}</Table.Td>
              <Table.Td>{formatLatency(h.latency_ms)}</Table.Td>
              <Table.Td>{h.consecutive_failures}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
