import { z } from "zod";
import { MAX_BODY_RETENTION_DAYS } from "./usageAudit.js";

/** `GET /manage/v1/settings`. */
export const SettingsDto = z.object({
  /** IANA zone whose calendar days and months the budgets and day buckets use. */
  time_zone: z.string(),
  /** Unauthenticated requests from this machine act as the owner (default false; loopback only). */
  anonymous_loopback: z.boolean(),
  /**
   * Seconds a local model stays loaded after its last request; 0 keeps it until shutdown.
   * Defaults to the config's `engine.idleTtlS` (900) until changed here.
   */
  model_idle_ttl_s: z.number().nonnegative(),
  /**
   * Days of usage rows (the request log) to keep; older ones are deleted by an hourly sweep.
   * `null` (the default) keeps them forever. The audit log is never deleted, and prompts and
   * outputs are not stored unless `body_retention_days` is set.
   */
  retention_days: z.number().int().positive().nullable(),
  /**
   * Body retention ("complete request/response history"): days each request's body and answer
   * are kept, sealed by the SecretCipher, readable by staff and by the member who sent them.
   * `null` (the default) keeps none. A member's override (`/members/{id}/body-retention`) wins.
   */
  body_retention_days: z.number().int().min(1).max(MAX_BODY_RETENTION_DAYS).nullable(),
  /**
   * Most API keys one member may hold at once (revoked and expired ones do not count); creating
   * one more is a 409 `key_limit_reached`. Defaults to 20.
   */
  max_keys_per_member: z.number().int().positive(),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

/**
 * `PATCH /manage/v1/settings`. Only the owner may change `anonymous_loopback`, `retention_days`
 * and `body_retention_days`.
 */
export const PatchSettingsBody = z.strictObject({
  time_zone: z.string().min(1).max(100).optional(),
  anonymous_loopback: z.boolean().optional(),
  /** 0 … 30 days. */
  model_idle_ttl_s: z.number().int().min(0).max(2_592_000).optional(),
  /** 1 … 36 500 days, or `null` to keep usage forever. */
  retention_days: z.number().int().min(1).max(36_500).nullable().optional(),
  /** 1 … 3650 days, or `null` to keep no bodies (the default). */
  body_retention_days: z.number().int().min(1).max(MAX_BODY_RETENTION_DAYS).nullable().optional(),
  /** 1 … 1000. */
  max_keys_per_member: z.number().int().min(1).max(1000).optional(),
});
export type PatchSettingsBody = z.infer<typeof PatchSettingsBody>;
