import type { ConnectionDto } from "@contract";
import { Anchor, Button, Table, Text } from "@mantine/core";
import { useState } from "react";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { priceText } from "./PoolList";
import { PriceEditor } from "./PriceEditor";

/**
 * Prices of the models this connection serves. Members are billed by the model id they call,
 * which for a remote provider is a pool's id: so this lists the pools with a target here.
 */
export function ConnectionPrices({
  connection,
  canWrite,
}: {
  connection: ConnectionDto;
  canWrite: boolean;
}) {
  const pools = usePoolsStore((s) => s.pools);
  const prices = usePoolsStore((s) => s.prices);
  const [editing, setEditing] = useState<string>();
  const served = pools.filter((p) => p.targets.some((t) => t.connection_id === connection.id));
  if (served.length === 0)
    return (
      <Text c="dimmed" size="sm">
        No pool uses this connection yet: prices are set on the model id members call (a pool).
      </Text>
    );
  return (
    <>
      <Table aria-label="Prices of models served by this connection">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Model id (pool)</Table.Th>
            <Table.Th>Upstream models here</Table.Th>
            <Table.Th>Price</Table.Th>
            {canWrite && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {served.map((p) => (
            <Table.Tr key={p.id}>
              <Table.Td>
                <Anchor href={`#/connections/pool/${encodeURIComponent(p.id)}`} ff="monospace">
                  {p.id}
                </Anchor>
              </Table.Td>
              <Table.Td ff="monospace">
                {p.targets
                  .filter((t) => t.connection_id === connection.id)
                  .map((t) => t.upstream_model)
                  .join(", ")}
              </Table.Td>
              <Table.Td>{priceText(prices.find((x) => x.model === p.id))}</Table.Td>
              {canWrite && (
                <Table.Td>
                  <Button
                    size="xs"
                    variant="default"
                    aria-label={`Edit price of ${p.id}`}
                    onClick={() => setEditing(p.id)}
                  >
                    Edit price
                  </Button>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed" mt="xs">
        Without a set price a pool costs the highest catalog list price among its targets&apos;
        upstream models (free when none is in the catalog).
      </Text>
      {editing && (
        <PriceEditor
          model={editing}
          price={prices.find((x) => x.model === editing)}
          onClose={() => setEditing(undefined)}
        />
      )}
    </>
  );
}
