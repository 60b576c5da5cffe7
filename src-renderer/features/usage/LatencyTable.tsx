import { Paper, Table, Text, Title } from "@mantine/core";
import type { LatencyStatsDto, ModelLatencyDto } from "@contract";
import { formatCount, formatMs } from "./requestLogView";

const PERCENTILES = ["p50_ms", "p95_ms", "p99_ms"] as const;

function Cells({ stats }: { stats: LatencyStatsDto }) {
  return PERCENTILES.map((p) => (
    <Table.Td key={p} ta="right">
      {formatMs(stats[p])}
    </Table.Td>
  ));
}

/** Time to first token and total latency per model (successful requests, nearest rank). */
export function LatencyTable({ latency }: { latency: ModelLatencyDto[] }) {
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs" id="usage-latency-title">
        Latency
      </Title>
      {latency.length === 0 ? (
        <Text size="sm" c="dimmed">
          No successful requests in this range.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-labelledby="usage-latency-title" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" rowSpan={2}>
                  Model
                </Table.Th>
                <Table.Th scope="colgroup" colSpan={4} ta="center">
                  Time to first token
                </Table.Th>
                <Table.Th scope="colgroup" colSpan={4} ta="center">
                  Total
                </Table.Th>
              </Table.Tr>
              <Table.Tr>
                {["TTFT", "Total"].flatMap((m) =>
                  ["Samples", "p50", "p95", "p99"].map((h) => (
                    <Table.Th key={`${m}-${h}`} scope="col" ta="right" aria-label={`${m} ${h}`}>
                      {h}
                    </Table.Th>
                  )),
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {latency.map((m) => (
                <Table.Tr key={m.model}>
                  <Table.Td>
                    <Text size="sm" truncate="end" maw={260} title={m.model}>
                      {m.model}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">{formatCount(m.ttft.samples)}</Table.Td>
                  <Cells stats={m.ttft} />
                  <Table.Td ta="right">{formatCount(m.total.samples)}</Table.Td>
                  <Cells stats={m.total} />
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
