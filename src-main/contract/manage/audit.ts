import { z } from "zod";
import { ListOf, QueryInt, TimeMs } from "./common.js";

/** One admin action. `before`/`after` are masked snapshots: never a key or a key hash. */
export const AuditEntryDto = z.object({
  seq: z.number().int().positive(),
  ts_ms: TimeMs,
  actor_id: z.string().nullable(),
  actor_role: z.string().nullable(),
  /** `<resource>.<verb>`, e.g. `member.update`, `key.revoke`, `credits.add`. */
  action: z.string(),
  target_type: z.string(),
  target_id: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  prev_hash: z.string(),
  /** sha256(prev_hash + canonical JSON of the row). */
  hash: z.string(),
});
export type AuditEntryDto = z.infer<typeof AuditEntryDto>;

/** `GET /manage/v1/audit` query: newest first, `limit` (default 100) rows below `before_seq`. */
export const AuditQuery = z.strictObject({
  limit: QueryInt(1, 500).default(100),
  before_seq: QueryInt(1, Number.MAX_SAFE_INTEGER).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPageDto = z.object({
  object: z.literal("list"),
  data: z.array(AuditEntryDto),
  has_more: z.boolean(),
});
export type AuditPageDto = z.infer<typeof AuditPageDto>;

/** `GET /manage/v1/audit/verify`: the whole hash chain walked from the first row. */
export const AuditVerifyDto = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  first_bad_seq: z.number().int().nullable(),
});
export type AuditVerifyDto = z.infer<typeof AuditVerifyDto>;

/** A spend alert: raised once per scope, cap, threshold and period. */
export const AlertDto = z.object({
  id: z.string(),
  /** null: the whole org. */
  member_id: z.string().nullable(),
  kind: z.enum(["daily_cap", "monthly_cap", "credits"]),
  threshold_pct: z.number().int(),
  /** The day ("YYYY-MM-DD") or month ("YYYY-MM") the cap belongs to. */
  period: z.string(),
  cap_micros: z.number().int(),
  spent_micros: z.number().int(),
  created_ms: TimeMs,
});
export type AlertDto = z.infer<typeof AlertDto>;

/** `GET /manage/v1/alerts` query: newest first, `limit` (default 100). */
export const AlertsQuery = z.strictObject({
  limit: QueryInt(1, 500).default(100),
  member_id: z.string().min(1).optional(),
});
export type AlertsQuery = z.infer<typeof AlertsQuery>;

export const AlertListDto = ListOf(AlertDto);
export type AlertListDto = z.infer<typeof AlertListDto>;
