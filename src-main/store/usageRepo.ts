import type { BillingMode } from "../contract/limits.js";
import type { GuardRecord } from "../guard/types.js";
import type { Db } from "./db.js";

/** What admission writes, in state `reserved`, before a request is dispatched. */
export interface UsageReservation {
  id: string;
  requestId: string;
  attempt: number;
  memberId: string;
  keyId: string | null;
  endpoint: string;
  requestedModel: string;
  billingMode: BillingMode;
  stream: boolean;
  createdMs: number;
  day: string;
  month: string;
  reservedTokens: number;
  reservedMicros: number;
  /** What routing decided (null: the request named a model directly and nothing classified it). */
  route?: { category: string | null; classifier: string | null; tokens: number } | null;
  /** The guard step's record (counts only); null/absent: no guard ran. Copied to later attempts. */
  guard?: GuardRecord | null;
  /** The client's session id (sanitised); null/absent: none sent. Copied to later attempts. */
  sessionId?: string | null;
}

/**
 * What the audit record keeps of who served a request: the model version (local: the GGUF file
 * and its SHA-256; remote: the upstream's own model string) and the region and retention the
 * serving connection declared at the time (null for local models and where nothing was declared).
 */
export interface ServedAudit {
  modelVersion: string | null;
  region: string | null;
  retention: string | null;
}

/** Where the usage numbers of a settled row came from. */
export type UsageSource = "engine" | "provider" | "estimate" | "reserved_max";
export type Outcome = "ok" | "aborted" | "error";

/** What settlement records. */
export interface UsageSettlement {
  servedModel: string | null;
  provider: string | null;
  /** `null` when unknown (a row settled by the recovery sweep). */
  promptTokens: number | null;
  completionTokens: number | null;
  /** Prompt tokens read from a cache (`cached_tokens`). */
  cachedTokens: number | null;
  /** Prompt tokens written to an upstream's cache (`cache_write_tokens`); absent: NULL. */
  cacheWriteTokens?: number | null;
  costMicros: number;
  source: UsageSource;
  estimated: boolean;
  orphaned: boolean;
  outcome: Outcome;
  errorCode: string | null;
  httpStatus: number | null;
  ttftMs: number | null;
  latencyMs: number | null;
  settledMs: number;
  /** A route's fallback path (targets tried before the one that answered); null: none. */
  fallback?: string[] | null;
  /** Model version, region and retention of what served; absent: unknown (all null). */
  audit?: ServedAudit;
  /**
   * The guard record of the attempt that answered (JSON), replacing admission's: it adds what
   * only the answer knows (placeholders restored, KeyVault off on the connection that served).
   * Absent: admission's record stays.
   */
  guardJson?: string;
}

/** Spend in one window: settled cost plus what is still held by reservations. */
export interface WindowSpend {
  settled: number;
  reserved: number;
}

export interface ReservedRow {
  id: string;
  memberId: string;
  billingMode: BillingMode;
  day: string;
  month: string;
  createdMs: number;
  reservedTokens: number;
  reservedMicros: number;
}

const SPEND = `SELECT
  ifnull(sum(CASE state WHEN 'settled' THEN cost_micros ELSE 0 END), 0) AS settled,
  ifnull(sum(CASE state WHEN 'reserved' THEN reserved_micros ELSE 0 END), 0) AS reserved
  FROM usage`;

/**
 * The usage ledger: one row per request attempt. Rows change state with single-row statements
 * guarded by `state = 'reserved'`, so settling twice is a no-op; callers wrap them in the
 * transactions that also move credits and alerts.
 */
export class UsageRepo {
  private readonly insert;
  private readonly settleStmt;
  private readonly releaseStmt;
  private readonly failAttemptStmt;
  private readonly nextAttemptStmt;
  private readonly memberDay;
  private readonly memberMonth;
  private readonly orgDay;
  private readonly orgMonth;
  private readonly reservedStmt;
  private readonly recentStmt;
  private readonly byIdStmt;

  constructor(db: Db) {
    // The statements run on every request take positional parameters: binding by name costs a
    // property lookup per parameter, and the callers' objects would be copied first.
    this.insert = db.prepare(
      `INSERT INTO usage (id, request_id, attempt, member_id, key_id, endpoint, requested_model,
         billing_mode, stream, state, created_ms, day, month, reserved_tokens, reserved_micros,
         route_category, route_classifier, route_tokens, guard_json, session_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.settleStmt = db.prepare(
      `UPDATE usage SET state = 'settled', served_model = ?, provider = ?, prompt_tokens = ?,
         completion_tokens = ?, cached_tokens = ?, cost_micros = ?, usage_source = ?,
         estimated = ?, orphaned = ?, outcome = ?, error_code = ?, http_status = ?, ttft_ms = ?,
         latency_ms = ?, settled_ms = ?, fallback_json = ?, model_version = ?,
         provider_region = ?, provider_retention = ?, guard_json = coalesce(?, guard_json),
         cache_write_tokens = ?
       WHERE id = ? AND state = 'reserved'`,
    );
    this.releaseStmt = db.prepare(
      `UPDATE usage SET state = 'released', cost_micros = 0, outcome = 'error', error_code = @errorCode,
         http_status = @httpStatus, latency_ms = @latencyMs, settled_ms = @settledMs
       WHERE id = @id AND state = 'reserved'`,
    );
    this.failAttemptStmt = db.prepare(
      `UPDATE usage SET state = 'released', cost_micros = 0, outcome = 'error',
         provider = @provider, served_model = @servedModel, error_code = @errorCode,
         http_status = @httpStatus, latency_ms = @latencyMs, settled_ms = @settledMs,
         provider_region = @region, provider_retention = @retention
       WHERE id = @id AND state = 'reserved'`,
    );
    // The next attempt inherits the request's admission time, reservation, guard record and
    // session (the same request, guarded once, goes to the next upstream).
    this.nextAttemptStmt = db.prepare(
      `INSERT INTO usage (id, request_id, attempt, member_id, key_id, endpoint, requested_model,
         billing_mode, stream, state, created_ms, day, month, reserved_tokens, reserved_micros,
         route_category, route_classifier, route_tokens, guard_json, session_id)
       SELECT @newId, request_id, @attempt, member_id, key_id, endpoint, requested_model,
         billing_mode, stream, 'reserved', created_ms, day, month, reserved_tokens, reserved_micros,
         route_category, route_classifier, route_tokens, guard_json, session_id
       FROM usage WHERE id = @id`,
    );
    this.memberDay = db.prepare<[string, string], WindowSpend>(
      `${SPEND} WHERE member_id = ? AND day = ?`,
    );
    // A month is the day range '<month>-01' … '<month>-31' (served by the day indexes).
    this.memberMonth = db.prepare<[string, string, string], WindowSpend>(
      `${SPEND} WHERE member_id = ? AND day BETWEEN ? AND ?`,
    );
    this.orgDay = db.prepare<[string], WindowSpend>(`${SPEND} WHERE day = ?`);
    this.orgMonth = db.prepare<[string, string], WindowSpend>(`${SPEND} WHERE day BETWEEN ? AND ?`);
    this.reservedStmt = db.prepare<[], ReservedRow>(
      `SELECT id, member_id AS memberId, billing_mode AS billingMode, day, month,
         created_ms AS createdMs, reserved_tokens AS reservedTokens, reserved_micros AS reservedMicros
       FROM usage WHERE state = 'reserved' ORDER BY created_ms`,
    );
    this.recentStmt = db.prepare<[number], { memberId: string; createdMs: number; tokens: number }>(
      `SELECT member_id AS memberId, created_ms AS createdMs,
         CASE state WHEN 'settled' THEN ifnull(prompt_tokens + completion_tokens, reserved_tokens)
                    WHEN 'reserved' THEN reserved_tokens ELSE 0 END AS tokens
       FROM usage WHERE created_ms >= ? ORDER BY created_ms`,
    );
    this.byIdStmt = db.prepare<[string], Record<string, unknown>>(
      "SELECT * FROM usage WHERE id = ?",
    );
  }

  reserve(r: UsageReservation): void {
    this.insert.run(
      r.id,
      r.requestId,
      r.attempt,
      r.memberId,
      r.keyId,
      r.endpoint,
      r.requestedModel,
      r.billingMode,
      r.stream ? 1 : 0,
      r.createdMs,
      r.day,
      r.month,
      r.reservedTokens,
      r.reservedMicros,
      r.route?.category ?? null,
      r.route?.classifier ?? null,
      r.route ? r.route.tokens : null,
      r.guard ? JSON.stringify(r.guard) : null,
      r.sessionId ?? null,
    );
  }

  /** Settles a reserved row. False if it was not reserved (already settled or released). */
  settle(id: string, s: UsageSettlement): boolean {
    return (
      this.settleStmt.run(
        s.servedModel,
        s.provider,
        s.promptTokens,
        s.completionTokens,
        s.cachedTokens,
        s.costMicros,
        s.source,
        s.estimated ? 1 : 0,
        s.orphaned ? 1 : 0,
        s.outcome,
        s.errorCode,
        s.httpStatus,
        s.ttftMs,
        s.latencyMs,
        s.settledMs,
        s.fallback ? JSON.stringify(s.fallback) : null,
        s.audit?.modelVersion ?? null,
        s.audit?.region ?? null,
        s.audit?.retention ?? null,
        s.guardJson ?? null,
        s.cacheWriteTokens ?? null,
        id,
      ).changes === 1
    );
  }

  /** Releases a reservation whose request never reached a model: it costs nothing. */
  release(
    id: string,
    r: { errorCode: string; httpStatus: number; latencyMs: number; settledMs: number },
  ): boolean {
    return this.releaseStmt.run({ ...r, id }).changes === 1;
  }

  /**
   * A failover: the attempt `id` failed before producing anything (released at no cost, with
   * the upstream, the region and retention it declared, and the error recorded: the request was
   * sent there) and attempt `attempt` takes over its reservation.
   */
  nextAttempt(
    id: string,
    next: { newId: string; attempt: number },
    f: {
      provider: string;
      servedModel: string;
      errorCode: string;
      httpStatus: number | null;
      region?: string | null;
      retention?: string | null;
      latencyMs: number;
      settledMs: number;
    },
  ): void {
    const row = { ...f, region: f.region ?? null, retention: f.retention ?? null, id };
    if (this.failAttemptStmt.run(row).changes !== 1)
      throw new Error(`usage row ${id} was not reserved`);
    this.nextAttemptStmt.run({ id, ...next });
  }

  /** Spend of a member (or, with `null`, the whole org) in one day or month. */
  spend(memberId: string | null, window: "day" | "month", key: string): WindowSpend {
    if (window === "day")
      return memberId === null ? this.orgDay.get(key)! : this.memberDay.get(memberId, key)!;
    const [first, last] = [`${key}-01`, `${key}-31`];
    return memberId === null
      ? this.orgMonth.get(first, last)!
      : this.memberMonth.get(memberId, first, last)!;
  }

  /** Rows still holding a reservation (after a crash: what the startup sweep settles). */
  reserved(): ReservedRow[] {
    return this.reservedStmt.all();
  }

  /**
   * Admissions since `sinceMs` with their tokens (actual once settled, 0 if released), oldest
   * first: every admission counts toward requests per minute, as it did while running.
   */
  recent(sinceMs: number): { memberId: string; createdMs: number; tokens: number }[] {
    return this.recentStmt.all(sinceMs);
  }

  /** The raw row, for tests and the request log. */
  row(id: string): Record<string, unknown> | undefined {
    return this.byIdStmt.get(id);
  }
}
