import type { ConnectionUsageDto } from "@contract";
import { SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { formatMoney } from "../../lib/formatMoney";

const count = (n: number) => n.toLocaleString("en-US");

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} aria-label={label}>
        {value}
      </Text>
    </Stack>
  );
}

/**
 * What this connection answered (all time): settled requests, tokens and cost, plus attempts
 * that failed here and were retried elsewhere at no cost to the caller; then per upstream model.
 */
export function ConnectionUsage({ usage }: { usage?: ConnectionUsageDto }) {
  if (!usage)
    return (
      <Text c="dimmed" size="sm">
        Reading usage…
      </Text>
    );
  const t = usage.totals;
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 3, md: 6 }} spacing="sm">
        <Stat label="Requests" value={count(t.requests)} />
        <Stat label="Prompt tokens" value={count(t.prompt_tokens)} />
        <Stat label="Completion tokens" value={count(t.completion_tokens)} />
        <Stat label="Cost" value={formatMoney(t.cost_micros)} />
        <Stat label="Failed attempts" value={count(t.failed_attempts)} />
        <Stat label="Estimated" value={count(t.estimated_requests)} />
      </SimpleGrid>
      {usage.by_model.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Usage by upstream model">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Upstream model</Table.Th>
                <Table.Th ta="right">Requests</Table.Th>
                <Table.Th ta="right">Prompt</Table.Th>
                <Table.Th ta="right">Completion</Table.Th>
                <Table.Th ta="right">Cost</Table.Th>
                <Table.Th ta="right">Failed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {usage.by_model.map((m) => (
                <Table.Tr key={m.upstream_model}>
                  <Table.Td ff="monospace">{m.upstream_model}</Table.Td>
                  <Table.Td ta="right">{count(m.requests)}</Table.Td>
                  <Table.Td ta="right">{count(m.prompt_tokens)}</Table.Td>
                  <Table.Td ta="right">{count(m.completion_tokens)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(m.cost_micros)}</Table.Td>
                  <Table.Td ta="right">{count(m.failed_attempts)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
