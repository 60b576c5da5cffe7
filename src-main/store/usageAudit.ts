import type { UsageAuditRecordDto } from "../contract/manage/usageAudit.js";
import type { Db } from "./db.js";

/** Which rows an audit export reads, and where the page starts. */
export interface UsageAuditQuery {
  /** Admission instants in [startMs, endMs). */
  startMs: number;
  endMs: number;
  memberId?: string;
  /** Cursor: rows strictly after (afterMs, afterId) in (created_ms, id) order. */
  afterMs?: number;
  afterId?: string;
  limit: number;
  /** Bodies expiring at or before this instant count as gone (`body_retained` false). */
  nowMs: number;
}

interface Raw {
  id: string;
  request_id: string;
  attempt: number;
  created_ms: number;
  member_id: string;
  member_name: string | null;
  key_id: string | null;
  key_name: string | null;
  key_prefix: string | null;
  endpoint: string;
  requested_model: string;
  route_category: string | null;
  route_classifier: string | null;
  fallback_json: string | null;
  provider: string | null;
  connection_name: string | null;
  provider_region: string | null;
  provider_retention: string | null;
  served_model: string | null;
  model_version: string | null;
  guard_json: string | null;
  state: UsageAuditRecordDto["state"];
  outcome: string | null;
  http_status: number | null;
  error_code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  cache_write_tokens: number | null;
  session_id: string | null;
  cost_micros: number | null;
  estimated: number;
  billing_mode: UsageAuditRecordDto["billing_mode"];
  body_retained: number;
}

/**
 * The per-request audit record (issue 16, part 3): every usage row with the names an auditor
 * needs beside the ids (member, key name and prefix — never the key —, the connection), oldest
 * first. Read a page at a time with a keyset cursor, so an export never holds a statement open
 * or the whole period in memory.
 */
export class UsageAudit {
  private readonly all;
  private readonly ofMember;

  constructor(db: Db) {
    const select = (memberCond: string) =>
      db.prepare<Record<string, unknown>, Raw>(
        `SELECT u.id, u.request_id, u.attempt, u.created_ms, u.member_id, m.name AS member_name,
           u.key_id, k.name AS key_name, k.prefix AS key_prefix, u.endpoint, u.requested_model,
           u.route_category, u.route_classifier, u.fallback_json, u.provider,
           c.name AS connection_name, u.provider_region, u.provider_retention, u.served_model,
           u.model_version, u.guard_json, u.state, u.outcome, u.http_status, u.error_code,
           u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens, u.session_id,
           u.cost_micros, u.estimated,
           u.billing_mode,
           EXISTS (SELECT 1 FROM request_bodies b
                   WHERE b.usage_id = u.id AND b.expires_ms > @nowMs) AS body_retained
         FROM usage u
         LEFT JOIN members m ON m.id = u.member_id
         LEFT JOIN api_keys k ON k.id = u.key_id
         LEFT JOIN connections c ON c.id = u.provider
         WHERE u.created_ms >= @startMs AND u.created_ms < @endMs ${memberCond}
           AND (u.created_ms > @afterMs OR (u.created_ms = @afterMs AND u.id > @afterId))
         ORDER BY u.created_ms, u.id
         LIMIT @limit`,
      );
    this.all = select("");
    this.ofMember = select("AND u.member_id = @memberId");
  }

  /** One page of records; `limit + 1` rows are read to tell whether more exist. */
  page(q: UsageAuditQuery): { rows: UsageAuditRecordDto[]; hasMore: boolean } {
    const params = {
      startMs: q.startMs,
      endMs: q.endMs,
      // Before every row: the first page starts at the period's start.
      afterMs: q.afterMs ?? -1,
      afterId: q.afterId ?? "",
      limit: q.limit + 1,
      nowMs: q.nowMs,
      ...(q.memberId !== undefined ? { memberId: q.memberId } : {}),
    };
    const raw = (q.memberId !== undefined ? this.ofMember : this.all).all(params);
    return { rows: raw.slice(0, q.limit).map(toRecord), hasMore: raw.length > q.limit };
  }
}

function toRecord(r: Raw): UsageAuditRecordDto {
  return {
    id: r.id,
    request_id: r.request_id,
    attempt: r.attempt,
    created_ms: r.created_ms,
    created_at: new Date(r.created_ms).toISOString(),
    member_id: r.member_id,
    member_name: r.member_name,
    key_id: r.key_id,
    key_name: r.key_name,
    key_prefix: r.key_prefix,
    endpoint: r.endpoint,
    requested_model: r.requested_model,
    route_category: r.route_category,
    route_classifier: r.route_classifier,
    fallback: r.fallback_json === null ? null : (JSON.parse(r.fallback_json) as string[]),
    provider: r.provider,
    provider_name: r.provider === "local" ? "local" : r.connection_name,
    region: r.provider_region,
    retention: r.provider_retention,
    served_model: r.served_model,
    model_version: r.model_version,
    guard:
      r.guard_json === null ? null : (JSON.parse(r.guard_json) as UsageAuditRecordDto["guard"]),
    state: r.state,
    outcome: r.outcome,
    http_status: r.http_status,
    error_code: r.error_code,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    cached_tokens: r.cached_tokens,
    cache_write_tokens: r.cache_write_tokens,
    session_id: r.session_id,
    cost_micros: r.cost_micros,
    estimated: r.estimated === 1,
    billing_mode: r.billing_mode,
    body_retained: r.body_retained === 1,
  };
}
