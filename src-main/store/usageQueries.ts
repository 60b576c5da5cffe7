import type { GuardRecord } from "../guard/types.js";
import type { Db } from "./db.js";
import { latencyByModel, type ModelLatency } from "./usageLatency.js";
import { providerCondition, type ProviderFilter } from "./usageProviderFilter.js";

export type { ModelLatency, LatencyStats } from "./usageLatency.js";
export type { ProviderFilter } from "./usageProviderFilter.js";

/** Columns usage can be grouped by (an allow-list: they are spliced into SQL). */
export type UsageGroupBy = "member_id" | "model" | "provider" | "category";

/** Usage rows to aggregate: a range of org-time-zone days, or of admission instants. */
export type UsageRange =
  | { bucket: "day"; fromDay: string; toDay: string }
  | { bucket: "hour"; startMs: number; endMs: number };

export interface UsageFilter {
  memberId?: string;
  model?: string;
  /** The provider of record: `local`, `remote` (any connection) or one connection's id. */
  provider?: ProviderFilter;
  /** The route category, or `-` for rows without one. */
  category?: string;
}

/** One aggregate: settled rows only (released rows never reached a model and cost nothing). */
export interface UsageSums {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_micros: number;
  /** Rows whose tokens were estimated (no usage reported, or settled after a crash). */
  estimated_requests: number;
}

export interface UsageGroup extends UsageSums {
  /** `day` key ("YYYY-MM-DD") or the hour's first ms. */
  bucket: string | number;
  member_id?: string;
  model?: string;
  /** `local`, a connection id, or null (never answered: crash-swept rows). */
  provider?: string | null;
  /** The route category; null for requests without one. */
  category?: string | null;
}

/** One row of the request log, as the management API shows it. */
export interface RequestLogRow {
  id: string;
  request_id: string;
  attempt: number;
  member_id: string;
  key_id: string | null;
  endpoint: string;
  model: string;
  served_model: string | null;
  provider: string | null;
  billing_mode: string;
  stream: boolean;
  state: string;
  created_ms: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  cache_write_tokens: number | null;
  cost_micros: number | null;
  reserved_micros: number;
  usage_source: string | null;
  estimated: boolean;
  outcome: string | null;
  error_code: string | null;
  http_status: number | null;
  ttft_ms: number | null;
  latency_ms: number | null;
  route_category: string | null;
  route_classifier: string | null;
  route_tokens: number | null;
  /** `target: error_code` of each route target passed over before the one that answered. */
  fallback: string[] | null;
  guard: GuardRecord | null;
  model_version: string | null;
  body_retained: boolean;
  /** The client's session id (sanitised); null: none sent. */
  session_id: string | null;
}

/** One client session's usage over a period (UsageSessionDto). */
export interface SessionUsage {
  session_id: string;
  member_id: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_micros: number;
  estimated_requests: number;
  in_flight_requests: number;
  reserved_micros: number;
  first_ms: number;
  last_ms: number;
  models: string[];
}

export interface RequestLogQuery extends UsageFilter {
  outcome?: string;
  state?: string;
  /**
   * true: only attempts of requests that failed over (attempt > 1 exists, or a route passed a
   * target over before answering); false: the others.
   */
  fallback?: boolean;
  /** true: only rows where the guard found something (or kept the request local). */
  guarded?: boolean;
  /** Only rows of this client session id. */
  sessionId?: string;
  /** Admission instants in [startMs, endMs). */
  startMs?: number;
  endMs?: number;
  limit: number;
  /** Cursor: rows strictly older than (before_ms, before_id) in (created_ms, id) order. */
  beforeMs?: number;
  beforeId?: string;
}

const HOUR_MS = 3_600_000;

/** Rows where the guard found secrets or PII, or kept the request local. */
const GUARDED = `(guard_json IS NOT NULL AND (json_extract(guard_json, '$.secrets') <> '{}'
  OR json_extract(guard_json, '$.pii') <> '{}'))`;

/** What the guard did over a period (GuardSummaryDto). */
export interface GuardSummary {
  requests: number;
  with_secrets: number;
  with_pii: number;
  secrets: Record<string, number>;
  pii: Record<string, number>;
  actions: {
    secrets_redacted: number;
    keyvault_off: number;
    pii_flagged: number;
    pii_redacted: number;
    kept_local: number;
  };
  restored: number;
}
const GROUP_COLUMNS: Record<UsageGroupBy, string> = {
  member_id: "member_id",
  // Prices and limits key on the model the client asked for, so usage is reported by it too.
  model: "requested_model",
  provider: "provider",
  category: "route_category",
};

const SUMS = `count(*) AS requests,
  ifnull(sum(prompt_tokens), 0) AS prompt_tokens,
  ifnull(sum(completion_tokens), 0) AS completion_tokens,
  ifnull(sum(cached_tokens), 0) AS cached_tokens,
  ifnull(sum(cost_micros), 0) AS cost_micros,
  ifnull(sum(estimated), 0) AS estimated_requests`;

/**
 * Read-only aggregate queries over the usage ledger for the management API (charts, the
 * request log). Statements are built from allow-listed fragments; every value is bound.
 */
export class UsageQueries {
  constructor(private readonly db: Db) {}

  /** Settled usage per bucket (and per member and/or model), oldest bucket first. */
  grouped(range: UsageRange, filter: UsageFilter, groupBy: UsageGroupBy[]): UsageGroup[] {
    const groups = [...new Set(groupBy)];
    const cols = groups.map((g) => `${GROUP_COLUMNS[g]} AS ${g}`);
    const bucket = range.bucket === "day" ? "day" : `(created_ms / ${HOUR_MS}) * ${HOUR_MS}`;
    const { where, params } = this.where(range, filter);
    const sql = `SELECT ${bucket} AS bucket${cols.map((c) => `, ${c}`).join("")}, ${SUMS}
      FROM usage WHERE state = 'settled' AND ${where}
      GROUP BY ${["bucket", ...groups].join(", ")} ORDER BY ${["bucket", ...groups].join(", ")}`;
    return this.db.prepare(sql).all(params) as UsageGroup[];
  }

  /** Settled totals over the whole range. */
  totals(range: UsageRange, filter: UsageFilter): UsageSums {
    const { where, params } = this.where(range, filter);
    const sql = `SELECT ${SUMS} FROM usage WHERE state = 'settled' AND ${where}`;
    return this.db.prepare(sql).get(params) as UsageSums;
  }

  /** Requests still in flight in the range and the worst-case cost they hold. */
  inFlight(range: UsageRange, filter: UsageFilter): { requests: number; reserved_micros: number } {
    const { where, params } = this.where(range, filter);
    const sql = `SELECT count(*) AS requests, ifnull(sum(reserved_micros), 0) AS reserved_micros
      FROM usage WHERE state = 'reserved' AND ${where}`;
    return this.db.prepare(sql).get(params) as { requests: number; reserved_micros: number };
  }

  /** The request log, newest first; `limit + 1` rows are read to tell whether more exist. */
  requests(q: RequestLogQuery): { rows: RequestLogRow[]; hasMore: boolean } {
    const { conds, params } = this.filterConditions(q);
    params.limit = q.limit + 1;
    const add = (cond: string, values: Record<string, unknown>) => {
      conds.push(cond);
      Object.assign(params, values);
    };
    if (q.outcome !== undefined) add("outcome = @outcome", { outcome: q.outcome });
    if (q.state !== undefined) add("state = @state", { state: q.state });
    if (q.fallback !== undefined) {
      // The (request_id, attempt) unique index finds a request's rows. A route that passed a
      // target over without trying it (missing, or refusing the request) has one attempt and
      // records the path on it.
      const failedOver = `EXISTS (SELECT 1 FROM usage AS f
        WHERE f.request_id = usage.request_id
          AND (f.attempt > 1 OR f.fallback_json IS NOT NULL))`;
      add(q.fallback ? failedOver : `NOT ${failedOver}`, {});
    }
    if (q.guarded !== undefined) add(q.guarded ? GUARDED : `NOT ${GUARDED}`, {});
    if (q.sessionId !== undefined) add("session_id = @sessionId", { sessionId: q.sessionId });
    if (q.startMs !== undefined) add("created_ms >= @startMs", { startMs: q.startMs });
    if (q.endMs !== undefined) add("created_ms < @endMs", { endMs: q.endMs });
    if (q.beforeMs !== undefined) {
      add(
        q.beforeId === undefined
          ? "created_ms < @beforeMs"
          : "(created_ms < @beforeMs OR (created_ms = @beforeMs AND id < @beforeId))",
        { beforeMs: q.beforeMs, ...(q.beforeId === undefined ? {} : { beforeId: q.beforeId }) },
      );
    }
    const sql = `SELECT id, request_id, attempt, member_id, key_id, endpoint,
        requested_model AS model, served_model, provider, billing_mode, stream, state, created_ms,
        prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost_micros,
        reserved_micros,
        usage_source, estimated, outcome, error_code, http_status, ttft_ms, latency_ms,
        route_category, route_classifier, route_tokens, fallback_json, guard_json, model_version,
        session_id,
        EXISTS (SELECT 1 FROM request_bodies b WHERE b.usage_id = usage.id) AS body_retained
      FROM usage ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""}
      ORDER BY created_ms DESC, id DESC LIMIT @limit`;
    const raw = this.db.prepare(sql).all(params) as (Omit<
      RequestLogRow,
      "stream" | "estimated" | "fallback" | "guard" | "body_retained"
    > & {
      stream: number;
      estimated: number;
      fallback_json: string | null;
      guard_json: string | null;
      body_retained: number;
    })[];
    const rows = raw.slice(0, q.limit).map(({ fallback_json, guard_json, ...r }) => ({
      ...r,
      stream: r.stream === 1,
      estimated: r.estimated === 1,
      fallback: fallback_json === null ? null : (JSON.parse(fallback_json) as string[]),
      guard: guard_json === null ? null : (JSON.parse(guard_json) as GuardRecord),
      body_retained: r.body_retained === 1,
    }));
    return { rows, hasMore: raw.length > q.limit };
  }

  /**
   * What the guard did over admission instants [startMs, endMs): rows checked, rows with
   * secrets or PII, values per type summed over rows, and rows per action. Settled and
   * released rows alike (a request counts once per attempt that was admitted).
   */
  guardSummary(range: { startMs: number; endMs: number }, filter: UsageFilter): GuardSummary {
    const { conds, params } = this.filterConditions(filter);
    conds.push("created_ms >= @startMs AND created_ms < @endMs AND guard_json IS NOT NULL");
    Object.assign(params, range);
    const where = conds.join(" AND ");
    const counts = this.db
      .prepare(
        `SELECT
           count(*) AS requests,
           ifnull(sum(json_extract(guard_json, '$.secrets') <> '{}'), 0) AS with_secrets,
           ifnull(sum(json_extract(guard_json, '$.pii') <> '{}'), 0) AS with_pii,
           ifnull(sum(json_extract(guard_json, '$.secrets_action') = 'redacted'), 0) AS secrets_redacted,
           ifnull(sum(json_extract(guard_json, '$.secrets_action') = 'off'
             AND json_extract(guard_json, '$.secrets') <> '{}'), 0) AS keyvault_off,
           ifnull(sum(json_extract(guard_json, '$.pii_action') = 'flagged'), 0) AS pii_flagged,
           ifnull(sum(json_extract(guard_json, '$.pii_action') = 'redacted'), 0) AS pii_redacted,
           ifnull(sum(json_extract(guard_json, '$.pii_action') = 'kept_local'), 0) AS kept_local,
           ifnull(sum(json_extract(guard_json, '$.restored')), 0) AS restored
         FROM usage WHERE ${where}`,
      )
      .get(params) as Record<string, number>;
    const perType = (path: "$.secrets" | "$.pii") =>
      Object.fromEntries(
        (
          this.db
            .prepare(
              `SELECT j.key AS type, sum(j.value) AS n FROM usage, json_each(usage.guard_json, '${path}') AS j
               WHERE ${where} GROUP BY j.key ORDER BY j.key`,
            )
            .all(params) as { type: string; n: number }[]
        ).map((r) => [r.type, r.n]),
      );
    return {
      requests: counts.requests!,
      with_secrets: counts.with_secrets!,
      with_pii: counts.with_pii!,
      secrets: perType("$.secrets"),
      pii: perType("$.pii"),
      actions: {
        secrets_redacted: counts.secrets_redacted!,
        keyvault_off: counts.keyvault_off!,
        pii_flagged: counts.pii_flagged!,
        pii_redacted: counts.pii_redacted!,
        kept_local: counts.kept_local!,
      },
      restored: counts.restored!,
    };
  }

  /**
   * Usage per client session (per member and session id) of rows admitted in [startMs, endMs),
   * the most recently active first: settled sums as on the usage page, what is still in flight,
   * when it was first and last seen in the period and the models it asked for. `limit + 1`
   * sessions are read to tell whether more exist.
   */
  sessions(
    range: { startMs: number; endMs: number },
    filter: { memberId?: string },
    limit: number,
  ): { sessions: SessionUsage[]; hasMore: boolean } {
    const params: Record<string, unknown> = { ...range, limit: limit + 1 };
    let member = "";
    if (filter.memberId !== undefined) {
      member = "AND member_id = @memberId";
      params.memberId = filter.memberId;
    }
    const settled = "FILTER (WHERE state = 'settled')";
    const raw = this.db
      .prepare(
        `SELECT session_id, member_id,
           count(*) ${settled} AS requests,
           ifnull(sum(prompt_tokens) ${settled}, 0) AS prompt_tokens,
           ifnull(sum(completion_tokens) ${settled}, 0) AS completion_tokens,
           ifnull(sum(cached_tokens) ${settled}, 0) AS cached_tokens,
           ifnull(sum(cost_micros) ${settled}, 0) AS cost_micros,
           ifnull(sum(estimated) ${settled}, 0) AS estimated_requests,
           count(*) FILTER (WHERE state = 'reserved') AS in_flight_requests,
           ifnull(sum(reserved_micros) FILTER (WHERE state = 'reserved'), 0) AS reserved_micros,
           min(created_ms) AS first_ms, max(created_ms) AS last_ms,
           json_group_array(DISTINCT requested_model) AS models_json
         FROM usage
         WHERE session_id IS NOT NULL AND created_ms >= @startMs AND created_ms < @endMs ${member}
         GROUP BY member_id, session_id
         ORDER BY last_ms DESC, member_id, session_id LIMIT @limit`,
      )
      .all(params) as (Omit<SessionUsage, "models"> & { models_json: string })[];
    const sessions = raw.slice(0, limit).map(({ models_json, ...s }) => ({
      ...s,
      models: (JSON.parse(models_json) as string[]).sort(),
    }));
    return { sessions, hasMore: raw.length > limit };
  }

  /** Latency percentiles per model over successful settled requests admitted in [startMs, endMs). */
  latency(range: { startMs: number; endMs: number }, filter: UsageFilter): ModelLatency[] {
    const { conds, params } = this.filterConditions(filter);
    conds.push("created_ms >= @startMs AND created_ms < @endMs");
    Object.assign(params, { startMs: range.startMs, endMs: range.endMs });
    return latencyByModel(this.db, conds.join(" AND "), params);
  }

  /**
   * What one provider of record (a remote connection's id) answered, per served model: settled
   * rows summed, plus the attempts that failed on it before answering (released at no cost when
   * a pool moved on). Optionally only rows admitted in [startMs, endMs).
   */
  byProvider(
    provider: string,
    range: { startMs?: number; endMs?: number } = {},
  ): (UsageSums & { upstream_model: string; failed_attempts: number })[] {
    const params: Record<string, unknown> = { provider };
    let when = "";
    if (range.startMs !== undefined) {
      when += " AND created_ms >= @startMs";
      params.startMs = range.startMs;
    }
    if (range.endMs !== undefined) {
      when += " AND created_ms < @endMs";
      params.endMs = range.endMs;
    }
    const settled = "FILTER (WHERE state = 'settled')";
    const sql = `SELECT ifnull(served_model, '') AS upstream_model,
        count(*) ${settled} AS requests,
        ifnull(sum(prompt_tokens) ${settled}, 0) AS prompt_tokens,
        ifnull(sum(completion_tokens) ${settled}, 0) AS completion_tokens,
        ifnull(sum(cached_tokens) ${settled}, 0) AS cached_tokens,
        ifnull(sum(cost_micros) ${settled}, 0) AS cost_micros,
        ifnull(sum(estimated) ${settled}, 0) AS estimated_requests,
        count(*) FILTER (WHERE state = 'released' AND outcome = 'error') AS failed_attempts
      FROM usage WHERE provider = @provider AND state IN ('settled', 'released')${when}
      GROUP BY upstream_model ORDER BY upstream_model`;
    return this.db.prepare(sql).all(params) as (UsageSums & {
      upstream_model: string;
      failed_attempts: number;
    })[];
  }

  private where(range: UsageRange, filter: UsageFilter) {
    const { conds, params } = this.filterConditions(filter);
    if (range.bucket === "day") {
      conds.push("day >= @fromDay AND day <= @toDay");
      Object.assign(params, { fromDay: range.fromDay, toDay: range.toDay });
    } else {
      conds.push("created_ms >= @startMs AND created_ms < @endMs");
      Object.assign(params, { startMs: range.startMs, endMs: range.endMs });
    }
    return { where: conds.join(" AND "), params };
  }

  /** Conditions (and their bound values) for member, model, provider of record and category. */
  private filterConditions(filter: UsageFilter) {
    const conds: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.memberId !== undefined) {
      conds.push("member_id = @memberId");
      params.memberId = filter.memberId;
    }
    if (filter.model !== undefined) {
      conds.push("requested_model = @model");
      params.model = filter.model;
    }
    if (filter.provider !== undefined) {
      const p = providerCondition(filter.provider);
      conds.push(p.cond);
      Object.assign(params, p.params);
    }
    if (filter.category === "-") conds.push("route_category IS NULL");
    else if (filter.category !== undefined) {
      conds.push("route_category = @category");
      params.category = filter.category;
    }
    return { conds, params };
  }
}
