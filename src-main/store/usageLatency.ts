import type { Db } from "./db.js";

/** Nearest-rank percentiles of one latency measure; the percentiles are null with no samples. */
export interface LatencyStats {
  samples: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface ModelLatency {
  /** The model the client asked for. */
  model: string;
  /** Time to first token (streams and non-streams alike, as the provider measured it). */
  ttft: LatencyStats;
  /** Admission to the end of the answer. */
  total: LatencyStats;
}

const EMPTY: LatencyStats = { samples: 0, p50_ms: null, p95_ms: null, p99_ms: null };

/**
 * Percentiles of one column per requested model, in SQL (window functions), so no row leaves
 * SQLite. Nearest rank: the p-th percentile of n sorted values is the value of rank ⌈p·n/100⌉,
 * i.e. the smallest value whose rank r has 100·r ≥ p·n (integer arithmetic, no rounding).
 */
function percentiles(
  db: Db,
  column: "ttft_ms" | "latency_ms",
  where: string,
  params: Record<string, unknown>,
): Map<string, LatencyStats> {
  const pick = (p: number) => `min(v) FILTER (WHERE 100 * rn >= ${p} * n)`;
  const sql = `WITH r AS (
      SELECT requested_model AS model, ${column} AS v,
        row_number() OVER (PARTITION BY requested_model ORDER BY ${column}) AS rn,
        count(*) OVER (PARTITION BY requested_model) AS n
      FROM usage
      WHERE state = 'settled' AND outcome = 'ok' AND ${column} IS NOT NULL${where ? ` AND ${where}` : ""}
    )
    SELECT model, max(n) AS samples, ${pick(50)} AS p50_ms, ${pick(95)} AS p95_ms,
      ${pick(99)} AS p99_ms
    FROM r GROUP BY model`;
  const rows = db.prepare(sql).all(params) as (LatencyStats & { model: string })[];
  return new Map(rows.map(({ model, ...stats }) => [model, stats]));
}

/**
 * TTFT and total latency percentiles per requested model, over requests that settled `ok`
 * (failed and aborted ones would pull the numbers towards their timeouts). Sorted by model.
 */
export function latencyByModel(
  db: Db,
  where: string,
  params: Record<string, unknown>,
): ModelLatency[] {
  const ttft = percentiles(db, "ttft_ms", where, params);
  const total = percentiles(db, "latency_ms", where, params);
  const models = [...new Set([...ttft.keys(), ...total.keys()])].sort();
  return models.map((model) => ({
    model,
    ttft: ttft.get(model) ?? EMPTY,
    total: total.get(model) ?? EMPTY,
  }));
}
