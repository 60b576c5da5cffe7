import type { PoolDto, PriceDto } from "@contract";
import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { formatMoney } from "../../lib/formatMoney";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { HealthBadge } from "./HealthBadge";
import { STRATEGY_LABELS } from "./poolForm";
import { describeTarget, worstView, type TargetView } from "./targetHealth";
import { useCanWrite, useNow } from "./useConnectionsPage";

/**
 * "$0.15 in · $0.60 out per M" for a set price (with its cache rates where they differ from the
 * input price); the catalog default otherwise.
 */
export function priceText(price: PriceDto | undefined): string {
  if (!price) return "catalog default";
  const inp = formatMoney(price.input_micros_per_mtok);
  const out = formatMoney(price.output_micros_per_mtok);
  const read = price.cache_read_micros_per_mtok;
  const write = price.cache_write_micros_per_mtok;
  const cache = [
    ...(read != null ? [`${formatMoney(read)} cache read`] : []),
    ...(write != null ? [`${formatMoney(write)} cache write`] : []),
  ];
  return `${inp} in · ${out} out${cache.map((c) => ` · ${c}`).join("")} per M${price.billing_mode === "member" ? " · member pays" : ""}`;
}

/** How many of a pool's routes (target × key) may take a request now, and the worst state. */
export function poolHealth(
  pool: PoolDto,
  now: number,
): { available: number; total: number; worst?: TargetView } {
  const all = pool.targets.flatMap((t) => t.health);
  const worst = worstView(all.map((h) => describeTarget(h, now)));
  return { available: all.filter((h) => h.available).length, total: all.length, worst };
}

/** Every pool: the model id clients call, its strategy, targets, live health and price. */
export function PoolList() {
  const pools = usePoolsStore((s) => s.pools);
  const prices = usePoolsStore((s) => s.prices);
  const loaded = usePoolsStore((s) => s.loaded);
  const connections = useConnectionsStore((s) => s.connections);
  const canWrite = useCanWrite();
  const now = useNow();
  const nameOf = (id: string) => connections.find((c) => c.id === id)?.name ?? id;

  return (
    <Stack gap="sm" component="section" aria-labelledby="pools-title">
      <Group justify="space-between">
        <Title order={2} size="h3" id="pools-title">
          Pools
        </Title>
        {canWrite && (
          <Button
            component="a"
            href="#/connections/new-pool"
            variant="light"
            leftSection={<IconPlus size={16} />}
            disabled={connections.length === 0}
          >
            New pool
          </Button>
        )}
      </Group>
      {loaded && pools.length === 0 ? (
        <Text c="dimmed">
          No pools yet. A pool is a model id members call, served by one or more connections.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover aria-label="Pools">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Model id</Table.Th>
                <Table.Th>Strategy</Table.Th>
                <Table.Th>Targets</Table.Th>
                <Table.Th>Available</Table.Th>
                <Table.Th>Health</Table.Th>
                <Table.Th>Price</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pools.map((p) => {
                const h = poolHealth(p, now);
                return (
                  <Table.Tr key={p.id} data-pool-id={p.id}>
                    <Table.Td>
                      <Anchor
                        href={`#/connections/pool/${encodeURIComponent(p.id)}`}
                        ff="monospace"
                        fw={500}
                      >
                        {p.id}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{STRATEGY_LABELS[p.strategy]}</Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {p.targets
                          .map((t) => `${nameOf(t.connection_id)} → ${t.upstream_model}`)
                          .join(", ")}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color={h.available > 0 ? "teal" : "red"}>
                        {h.available} / {h.total}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{h.worst ? <HealthBadge view={h.worst} /> : "—"}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{priceText(prices.find((x) => x.model === p.id))}</Text>
                    </Table.Td>
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
