import { PutPoolBody, type PoolDto, type PoolStrategy } from "@contract";

/**
 * The pool editor as plain data, and its validation against the same bounds the server applies
 * (src-main/server/manage/pools.ts and the contract's PutPoolBody).
 */

export const STRATEGY_LABELS: Record<PoolStrategy, string> = {
  priority: "Priority (failover order)",
  round_robin: "Round-robin",
  weighted: "Weighted",
  least_in_flight: "Least in flight",
  lowest_latency: "Lowest latency",
};

export const STRATEGY_ORDER: PoolStrategy[] = [
  "priority",
  "round_robin",
  "weighted",
  "least_in_flight",
  "lowest_latency",
];

/** Longest pool (model) id the server accepts. */
export const MAX_POOL_ID = 200;
/** Bounds of PoolTargetBody / PutPoolBody. */
export const WEIGHT_MAX = 1000;
export const PRIORITY_MAX = 1000;
export const MAX_TARGETS = 50;
export const MAX_ATTEMPTS = 10;

/** One target row; numbers stay as typed (`""` while empty) until validated. */
export interface TargetRow {
  connectionId: string;
  upstreamModel: string;
  priority: number | string;
  weight: number | string;
}

export interface PoolFormValues {
  /** The model id clients call. */
  id: string;
  strategy: PoolStrategy;
  maxAttempts: number | string;
  targets: TargetRow[];
}

export interface TargetRowErrors {
  connectionId?: string;
  upstreamModel?: string;
  priority?: string;
  weight?: string;
}

export interface PoolFormErrors {
  id?: string;
  maxAttempts?: string;
  /** Problems of the target list as a whole (none, too many). */
  targets?: string;
  rows: TargetRowErrors[];
}

/** A new target row: priority 0 and weight 1, the server's defaults. */
export const emptyTarget = (connectionId = ""): TargetRow => ({
  connectionId,
  upstreamModel: "",
  priority: 0,
  weight: 1,
});

export function emptyPoolForm(connectionId = ""): PoolFormValues {
  return { id: "", strategy: "priority", maxAttempts: 3, targets: [emptyTarget(connectionId)] };
}

export function formFromPool(p: PoolDto): PoolFormValues {
  return {
    id: p.id,
    strategy: p.strategy,
    maxAttempts: p.max_attempts,
    targets: p.targets.map((t) => ({
      connectionId: t.connection_id,
      upstreamModel: t.upstream_model,
      priority: t.priority,
      weight: t.weight,
    })),
  };
}

/** Why `id` cannot name a pool (a model id), or undefined. */
export function poolIdProblem(id: string): string | undefined {
  if (id === "") return "Enter the model id clients will call, e.g. gpt-4o-mini.";
  if (id.length > MAX_POOL_ID) return `At most ${MAX_POOL_ID} characters.`;
  if (!/^[\x21-\x7e]+$/.test(id)) return "Visible ASCII only, no spaces.";
  if (id.split("/").includes("")) return "No empty '/' segments (no leading, trailing or '//').";
  return undefined;
}

/** `value` as a whole number in [min, max], or the message saying why not. */
export function wholeNumber(
  value: number | string,
  min: number,
  max: number,
): { value?: number; problem?: string } {
  const n = typeof value === "number" ? value : value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n)) return { problem: "Enter a number." };
  if (!Number.isInteger(n)) return { problem: "Whole numbers only." };
  if (n < min || n > max) return { problem: `From ${min} to ${max}.` };
  return { value: n };
}

/**
 * Validates the pool editor; `body` is the API's PUT body when there is nothing to fix. Weights
 * matter only for `weighted` and priorities only for `priority`, but both are checked always:
 * the server stores both, and switching strategy later must not expose a bad value.
 */
export function validatePoolForm(
  values: PoolFormValues,
  /** Whether the id may be edited (false when editing an existing pool). */
  checkId = true,
): { errors: PoolFormErrors; body?: PutPoolBody } {
  const attempts = wholeNumber(values.maxAttempts, 1, MAX_ATTEMPTS);
  const errors: PoolFormErrors = {
    id: checkId ? poolIdProblem(values.id.trim()) : undefined,
    maxAttempts: attempts.problem,
    targets:
      values.targets.length === 0
        ? "Add at least one target."
        : values.targets.length > MAX_TARGETS
          ? `At most ${MAX_TARGETS} targets.`
          : undefined,
    rows: [],
  };
  const seen = new Set<string>();
  const targets = values.targets.map((row) => {
    const e: TargetRowErrors = {};
    const model = row.upstreamModel.trim();
    if (row.connectionId === "") e.connectionId = "Pick a connection.";
    if (model === "") e.upstreamModel = "Enter the upstream model id.";
    else if (model.length > 200) e.upstreamModel = "At most 200 characters.";
    const priority = wholeNumber(row.priority, 0, PRIORITY_MAX);
    const weight = wholeNumber(row.weight, 1, WEIGHT_MAX);
    e.priority = priority.problem;
    e.weight = weight.problem;
    const pair = `${row.connectionId}\n${model}`;
    if (!e.connectionId && !e.upstreamModel) {
      if (seen.has(pair)) e.upstreamModel = "This connection and model are already a target.";
      seen.add(pair);
    }
    errors.rows.push(e);
    return {
      connection_id: row.connectionId,
      upstream_model: model,
      priority: priority.value ?? 0,
      weight: weight.value ?? 1,
    };
  });
  const rowsOk = errors.rows.every((e) => !Object.values(e).some(Boolean));
  if (errors.id || errors.maxAttempts || errors.targets || !rowsOk) return { errors };
  const body = PutPoolBody.parse({
    strategy: values.strategy,
    max_attempts: attempts.value,
    targets,
  });
  return { errors, body };
}

/**
 * Each row's share of traffic under `weighted`, in percent to one decimal (0 for rows without a
 * valid weight). A target is tried once per active key of its connection, each with the target's
 * weight, so a connection with two active keys draws twice the share (`activeKeys` defaults to 1).
 */
export function weightShares(
  rows: TargetRow[],
  activeKeys: (connectionId: string) => number = () => 1,
): number[] {
  const weights = rows.map(
    (r) => (wholeNumber(r.weight, 1, WEIGHT_MAX).value ?? 0) * activeKeys(r.connectionId),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total === 0 ? 0 : Math.round((w / total) * 1000) / 10));
}
