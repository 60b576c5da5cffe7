import type { PoolDto, PoolStrategy } from "@contract";
import {
  Alert,
  Anchor,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { describeError } from "../../api/ApiRequestError";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { useRouteStore } from "../../stores/useRouteStore";
import { priceText } from "./PoolList";
import {
  emptyPoolForm,
  formFromPool,
  MAX_ATTEMPTS,
  STRATEGY_LABELS,
  STRATEGY_ORDER,
  validatePoolForm,
  type PoolFormValues,
} from "./poolForm";
import { PoolTargetsEditor } from "./PoolTargetsEditor";
import { PriceEditor } from "./PriceEditor";
import { TargetHealthTable } from "./TargetHealthTable";
import { useCanWrite } from "./useConnectionsPage";

const STRATEGY_HELP: Record<PoolStrategy, string> = {
  priority: "Lowest priority number first; the others are the failover order.",
  round_robin: "Each request goes to the next available target in turn.",
  weighted: "Traffic split by weight, at random.",
  least_in_flight: "The target with the fewest requests in progress.",
  lowest_latency: "The fastest measured target (unmeasured ones are tried first).",
};

/**
 * Creates a pool or edits one: the model id clients call (fixed once created), the strategy,
 * attempts per request, and the targets with their priorities and weights; below, each route's
 * live health and the pool's price.
 */
export function PoolEditor({ pool }: { pool?: PoolDto }) {
  const connections = useConnectionsStore((s) => s.connections);
  const prices = usePoolsStore((s) => s.prices);
  const navigate = useRouteStore((s) => s.navigate);
  const canWrite = useCanWrite();
  const [values, setValues] = useState<PoolFormValues>(() =>
    pool ? formFromPool(pool) : emptyPoolForm(connections[0]?.id),
  );
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [editingPrice, setEditingPrice] = useState(false);
  const { errors, body } = validatePoolForm(values, !pool);
  const shown = tried ? errors : { rows: [] };
  const set = (patch: Partial<PoolFormValues>) => setValues((v) => ({ ...v, ...patch }));
  const nameOf = (id: string) => connections.find((c) => c.id === id)?.name ?? id;

  async function run(action: () => Promise<unknown>, then: string) {
    setSaving(true);
    setServerError(undefined);
    try {
      await action();
      navigate(then);
    } catch (err) {
      setServerError(describeError(err));
      setConfirming(false);
    } finally {
      setSaving(false);
    }
  }

  const id = pool ? pool.id : values.id.trim();
  const price = pool && prices.find((p) => p.model === pool.id);
  return (
    <Stack gap="md" maw={1000}>
      <Anchor href="#/connections" size="sm">
        ← Connections &amp; pools
      </Anchor>
      <Group justify="space-between">
        <Title order={2}>{pool ? `Pool ${pool.id}` : "New pool"}</Title>
        {pool && canWrite && (
          <Button
            color="red"
            variant={confirming ? "filled" : "subtle"}
            leftSection={<IconTrash size={16} />}
            onClick={() =>
              confirming
                ? void run(() => usePoolsStore.getState().remove(pool.id), "connections")
                : setConfirming(true)
            }
          >
            {confirming ? "Really delete?" : "Delete pool"}
          </Button>
        )}
      </Group>
      <Paper withBorder p="md">
        <form
          noValidate
          aria-label="Pool"
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (body)
              void run(
                () => usePoolsStore.getState().save(id, body),
                `connections/pool/${encodeURIComponent(id)}`,
              );
          }}
        >
          <fieldset disabled={!canWrite} style={{ border: 0, padding: 0, margin: 0 }}>
            <Stack gap="sm">
              <Group align="flex-start" grow>
                <TextInput
                  label="Model id"
                  description="The model name clients call."
                  placeholder="gpt-4o-mini"
                  value={values.id}
                  disabled={Boolean(pool)}
                  onChange={(e) => set({ id: e.currentTarget.value })}
                  error={shown.id}
                />
                <Select
                  label="Strategy"
                  description={STRATEGY_HELP[values.strategy]}
                  data={STRATEGY_ORDER.map((s) => ({ value: s, label: STRATEGY_LABELS[s] }))}
                  value={values.strategy}
                  allowDeselect={false}
                  onChange={(v) => v && set({ strategy: v as PoolStrategy })}
                />
                <NumberInput
                  label="Attempts per request"
                  description="Targets tried, failovers included."
                  min={1}
                  max={MAX_ATTEMPTS}
                  allowDecimal={false}
                  clampBehavior="none"
                  value={values.maxAttempts}
                  onChange={(v) => set({ maxAttempts: v })}
                  error={shown.maxAttempts}
                />
              </Group>
              <PoolTargetsEditor
                rows={values.targets}
                onChange={(targets) => set({ targets })}
                errors={shown.rows}
                strategy={values.strategy}
                connections={connections}
              />
              {shown.targets && (
                <Text c="red" size="sm">
                  {shown.targets}
                </Text>
              )}
              {serverError && (
                <Alert color="red" title="Not saved">
                  {serverError}
                </Alert>
              )}
              {canWrite && (
                <Group justify="flex-end">
                  <Button component="a" href="#/connections" variant="default">
                    Cancel
                  </Button>
                  <Button type="submit" loading={saving}>
                    {pool ? "Save pool" : "Create pool"}
                  </Button>
                </Group>
              )}
            </Stack>
          </fieldset>
        </form>
      </Paper>
      {pool && (
        <Paper withBorder p="md" component="section" aria-labelledby="pool-health-title">
          <Title order={3} size="h4" id="pool-health-title" mb="sm">
            Live health
          </Title>
          <TargetHealthTable
            health={pool.targets.flatMap((t) => t.health)}
            keys={connections.flatMap((c) => c.keys)}
            connectionName={nameOf}
            label="Pool health"
          />
        </Paper>
      )}
      {pool && (
        <Paper withBorder p="md" component="section" aria-labelledby="pool-price-title">
          <Group justify="space-between">
            <Stack gap={2}>
              <Title order={3} size="h4" id="pool-price-title">
                Price
              </Title>
              <Text size="sm">{priceText(price)}</Text>
            </Stack>
            {canWrite && (
              <Button variant="default" onClick={() => setEditingPrice(true)}>
                Edit price
              </Button>
            )}
          </Group>
          {editingPrice && (
            <PriceEditor model={pool.id} price={price} onClose={() => setEditingPrice(false)} />
          )}
        </Paper>
      )}
    </Stack>
  );
}
