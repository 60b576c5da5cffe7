import type { ConnectionDto, PoolStrategy } from "@contract";
import {
  ActionIcon,
  Autocomplete,
  Button,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import {
  emptyTarget,
  PRIORITY_MAX,
  weightShares,
  WEIGHT_MAX,
  type TargetRow,
  type TargetRowErrors,
} from "./poolForm";

interface PoolTargetsEditorProps {
  rows: TargetRow[];
  onChange(rows: TargetRow[]): void;
  errors: TargetRowErrors[];
  strategy: PoolStrategy;
  connections: ConnectionDto[];
}

/**
 * A pool's targets: a connection and the model id its upstream knows, with a priority (lower is
 * tried first under `priority`) and a weight (share of traffic under `weighted`). Model ids are
 * suggested from the connection's last test.
 */
export function PoolTargetsEditor({
  rows,
  onChange,
  errors,
  strategy,
  connections,
}: PoolTargetsEditorProps) {
  const tests = useConnectionsStore((s) => s.tests);
  const put = (i: number, patch: Partial<TargetRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const activeKeys = (id: string) =>
    connections.find((c) => c.id === id)?.keys.filter((k) => k.status === "active").length ?? 0;
  const shares = weightShares(rows, activeKeys);
  const options = connections.map((c) => ({ value: c.id, label: c.name }));

  return (
    <Stack gap="xs" role="group" aria-labelledby="targets-label">
      <Text fw={500} size="sm" id="targets-label">
        Targets
      </Text>
      {rows.map((row, i) => {
        const e = errors[i] ?? {};
        const n = i + 1;
        return (
          <Group key={i} align="flex-start" gap="xs" wrap="nowrap" data-target-row={i}>
            <Select
              label={i === 0 ? "Connection" : undefined}
              aria-label={`Target ${n} connection`}
              inputWrapperOrder={["label", "input", "description", "error"]}
              data={options}
              value={row.connectionId || null}
              onChange={(v) => put(i, { connectionId: v ?? "" })}
              error={e.connectionId}
              allowDeselect={false}
              style={{ flex: 3 }}
            />
            <Autocomplete
              label={i === 0 ? "Upstream model" : undefined}
              aria-label={`Target ${n} upstream model`}
              inputWrapperOrder={["label", "input", "description", "error"]}
              placeholder="gpt-4o-mini"
              data={tests[row.connectionId]?.result?.models ?? []}
              value={row.upstreamModel}
              onChange={(v) => put(i, { upstreamModel: v })}
              error={e.upstreamModel}
              style={{ flex: 3 }}
            />
            <NumberInput
              label={i === 0 ? "Priority" : undefined}
              aria-label={`Target ${n} priority`}
              inputWrapperOrder={["label", "input", "description", "error"]}
              description={strategy === "priority" ? "lower first" : undefined}
              min={0}
              max={PRIORITY_MAX}
              allowDecimal={false}
              clampBehavior="none"
              value={row.priority}
              onChange={(v) => put(i, { priority: v })}
              error={e.priority}
              style={{ flex: 1.3 }}
            />
            <NumberInput
              label={i === 0 ? "Weight" : undefined}
              aria-label={`Target ${n} weight`}
              inputWrapperOrder={["label", "input", "description", "error"]}
              description={strategy === "weighted" ? `${shares[i]}% of traffic` : undefined}
              min={1}
              max={WEIGHT_MAX}
              allowDecimal={false}
              clampBehavior="none"
              value={row.weight}
              onChange={(v) => put(i, { weight: v })}
              error={e.weight}
              style={{ flex: 1.3 }}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              mt={i === 0 ? 25 : 0}
              aria-label={`Remove target ${n}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        );
      })}
      <Group>
        <Button
          variant="subtle"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...rows, emptyTarget(connections[0]?.id ?? "")])}
        >
          Add target
        </Button>
      </Group>
    </Stack>
  );
}
