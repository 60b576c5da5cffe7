import type { Core } from "../../src-main/app/createCore.js";

/** A usage row as stored (snake_case columns). */
export interface UsageRow {
  id: string;
  request_id: string;
  attempt: number;
  member_id: string;
  key_id: string | null;
  endpoint: string;
  requested_model: string;
  served_model: string | null;
  provider: string | null;
  billing_mode: string;
  stream: number;
  state: "reserved" | "settled" | "released";
  created_ms: number;
  day: string;
  month: string;
  reserved_tokens: number;
  reserved_micros: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  cost_micros: number | null;
  usage_source: string | null;
  estimated: number;
  orphaned: number;
  outcome: string | null;
  error_code: string | null;
  ttft_ms: number | null;
  latency_ms: number | null;
}

/** Every usage row, oldest first, straight from the SQLite file. */
export function usageRows(core: Core, where = "1 = 1", ...params: unknown[]): UsageRow[] {
  return core.db
    .prepare(`SELECT * FROM usage WHERE ${where} ORDER BY created_ms, id`)
    .all(...params) as UsageRow[];
}

export function countByState(core: Core): Record<string, number> {
  const out: Record<string, number> = { reserved: 0, settled: 0, released: 0 };
  for (const r of core.db
    .prepare("SELECT state, count(*) AS n FROM usage GROUP BY state")
    .all() as { state: string; n: number }[])
    out[r.state] = r.n;
  return out;
}

/** Settled spend, in micro-dollars, of one member (or everyone). */
export function settledSpend(core: Core, memberId?: string): number {
  const row = core.db
    .prepare(
      `SELECT ifnull(sum(cost_micros), 0) AS s FROM usage
       WHERE state = 'settled' AND (@m IS NULL OR member_id = @m)`,
    )
    .get({ m: memberId ?? null }) as { s: number };
  return row.s;
}
