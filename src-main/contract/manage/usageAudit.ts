import { z } from "zod";
import { SignedMicros, TimeMs } from "./common.js";

const Count = z.number().int().nonnegative();

/** Most days of body retention, org-wide or per member (ten years). */
export const MAX_BODY_RETENTION_DAYS = 3650;

/**
 * An instant in a query string: Unix epoch milliseconds (`1767225600000`) or an ISO 8601 date
 * or date-time (`2026-01-01`, `2026-01-01T00:00:00Z`; a date alone is midnight UTC).
 */
const QueryInstant = z
  .string()
  .min(1)
  .max(40)
  .transform((text, ctx) => {
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isSafeInteger(ms) || ms < 0) {
      ctx.addIssue({
        code: "custom",
        message: "epoch milliseconds or an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z",
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * `GET /manage/v1/usage/audit`: every usage row (each attempt) admitted in [from, to), oldest
 * first, as JSON Lines (`format=jsonl`, the default: one UsageAuditRecordDto per line) or CSV
 * (`format=csv`). `from` defaults to the first row, `to` to now. Members get their own rows
 * only (another member's id is a 404); staff every member's, or one's with `member_id`.
 */
export const UsageAuditQuery = z.strictObject({
  from: QueryInstant.optional(),
  to: QueryInstant.optional(),
  /** Defaults to `jsonl`. */
  format: z.enum(["jsonl", "csv"]).default("jsonl"),
  member_id: z.string().min(1).optional(),
});
export type UsageAuditQuery = z.infer<typeof UsageAuditQuery>;

const Counts = z.record(z.string(), Count);

/**
 * The guard step's record on a usage row (`usage.guard_json`): what it found and did, as counts
 * per type, never the values found (see src-main/guard/types.ts, `GuardRecord`).
 */
export const GuardRecordDto = z.object({
  /** Secrets found, per type (`aws`, `openai`, `github`, `jwt`, `private-key`, `generic`…). */
  secrets: Counts,
  secrets_action: z.enum(["redacted", "off", "local", "none"]),
  /** PII found, per type (`email`, `phone`, `card`…). */
  pii: Counts,
  pii_mode: z.enum(["off", "flag", "redact", "block", "keep-local"]),
  /** Where the mode came from: `org`, `member`, or `model:<id>` (the target's, or the alias/`auto` the client named). */
  pii_scope: z.string(),
  pii_action: z.enum(["none", "flagged", "redacted", "blocked", "kept_local"]),
  /** `keep-local`: the remote target(s) replaced and the local model that served instead. */
  kept_local: z.object({ from: z.array(z.string()), to: z.string() }).optional(),
  /** Placeholders put back into the answer. */
  restored: Count,
});
export type GuardRecordDto = z.infer<typeof GuardRecordDto>;

/**
 * One usage row as the audit export writes it (a JSON line): who asked, with which key, what
 * was asked for and how it was routed, who served it (the provider of record, the region and
 * retention it declared, the model and its version), what the guard step did (counts only),
 * how it ended and what it cost. Never a prompt, an answer or a secret.
 */
export const UsageAuditRecordDto = z.object({
  /** The usage row: `<request id>:<attempt>`. */
  id: z.string(),
  request_id: z.string(),
  /** 1, then 2, 3… as a route or a pool failed over (each attempt is a row). */
  attempt: z.number().int().positive(),
  /** Admission instant, and the same as ISO 8601 UTC. */
  created_ms: TimeMs,
  created_at: z.string(),
  member_id: z.string(),
  member_name: z.string().nullable(),
  /** The API key used (null: the owner token or anonymous local use); its name and prefix only. */
  key_id: z.string().nullable(),
  key_name: z.string().nullable(),
  key_prefix: z.string().nullable(),
  /** chat.completions | completions | embeddings | messages | responses */
  endpoint: z.string(),
  /** The model, pool, alias or `auto` the client named. */
  requested_model: z.string(),
  route_category: z.string().nullable(),
  route_classifier: z.string().nullable(),
  /** Targets passed over before the one that answered, as `target: error_code`; null: none. */
  fallback: z.array(z.string()).nullable(),
  /**
   * The provider of record: `local`, a connection id (`con_…`), or null (never answered: a row
   * settled after a crash, or released before any provider took it).
   */
  provider: z.string().nullable(),
  /** `local`, the connection's name (kept after it is deleted), or null. */
  provider_name: z.string().nullable(),
  /** The region and retention the connection declared when it served (null: local, or none). */
  region: z.string().nullable(),
  retention: z.string().nullable(),
  /** The model id that served (a local model id, or the upstream model id a pool sent). */
  served_model: z.string().nullable(),
  /**
   * The version that served: `<file> sha256:<hex>` for local models (`sha256:pending` while the
   * file is being hashed), the upstream's own `model` string for remote ones; null: unknown.
   */
  model_version: z.string().nullable(),
  /** The guard step's record; null when no guard ran. */
  guard: GuardRecordDto.nullable(),
  state: z.enum(["reserved", "settled", "released"]),
  outcome: z.string().nullable(),
  http_status: z.number().int().nullable(),
  error_code: z.string().nullable(),
  prompt_tokens: Count.nullable(),
  completion_tokens: Count.nullable(),
  /** Prompt tokens read from a cache (`cached_tokens`) and written to an upstream's cache. */
  cached_tokens: Count.nullable(),
  cache_write_tokens: Count.nullable(),
  /** The client's session (Claude Code's `x-claude-code-session-id`, `x-session-id`); null: none. */
  session_id: z.string().nullable(),
  cost_micros: SignedMicros.nullable(),
  /** Tokens estimated rather than reported (or settled at the reserved maximum after a crash). */
  estimated: z.boolean(),
  billing_mode: z.enum(["org", "member"]),
  /** Whether a retained body can be read (`GET /usage/{id}/body`). */
  body_retained: z.boolean(),
});
export type UsageAuditRecordDto = z.infer<typeof UsageAuditRecordDto>;

/**
 * `GET /manage/v1/usage/{id}/body`: a retained request and its answer (only while body retention
 * kept it). `request` is the request as it was dispatched, after the guard step's redaction;
 * `response` is `{text, tool_calls?, finish_reason}` for generations, `{embeddings, dimensions}`
 * for embeddings. Staff (owner, admin) read any; everyone else only their own (404 otherwise).
 */
export const RequestBodyDto = z.object({
  usage_id: z.string(),
  request_id: z.string(),
  member_id: z.string(),
  created_ms: TimeMs,
  /** When the retention sweep deletes it. */
  expires_ms: TimeMs,
  request: z.unknown(),
  response: z.unknown(),
  /** Plaintext sizes in UTF-8 bytes. */
  request_bytes: Count,
  response_bytes: Count,
});
export type RequestBodyDto = z.infer<typeof RequestBodyDto>;

/**
 * `GET /manage/v1/members/{id}/body-retention`: how long the member's request bodies are kept.
 * Readable by the member themselves and by staff: a member can see whether their prompts are
 * being kept.
 */
export const MemberBodyRetentionDto = z.object({
  member_id: z.string(),
  /** The member's override: null follows the org's setting, 0 never keeps, N keeps N days. */
  body_retention_days: z.number().int().min(0).max(MAX_BODY_RETENTION_DAYS).nullable(),
  /** The org-wide setting (`/settings` `body_retention_days`; null: off). */
  org_body_retention_days: z.number().int().positive().nullable(),
  /** What applies now: days, or null when the member's bodies are not kept. */
  effective_days: z.number().int().positive().nullable(),
});
export type MemberBodyRetentionDto = z.infer<typeof MemberBodyRetentionDto>;

/** `PUT /manage/v1/members/{id}/body-retention` (owner only): the override, or null to follow the org. */
export const PutMemberBodyRetentionBody = z.strictObject({
  body_retention_days: z.number().int().min(0).max(MAX_BODY_RETENTION_DAYS).nullable(),
});
export type PutMemberBodyRetentionBody = z.infer<typeof PutMemberBodyRetentionBody>;
