import { z } from "zod";

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
   * outputs are never stored.
   */
  retention_days: z.number().int().positive().nullable(),
  /**
   * Most API keys one member may hold at once (revoked and expired ones do not count); creating
   * one more is a 409 `key_limit_reached`. Defaults to 20.
   */
  max_keys_per_member: z.number().int().positive(),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

/** `PATCH /manage/v1/settings`. Only the owner may change `anonymous_loopback` and `retention_days`. */
export const PatchSettingsBody = z.strictObject({
  time_zone: z.string().min(1).max(100).optional(),
  anonymous_loopback: z.boolean().optional(),
  /** 0 … 30 days. */
  model_idle_ttl_s: z.number().int().min(0).max(2_592_000).optional(),
  /** 1 … 36 500 days, or `null` to keep usage forever. */
  retention_days: z.number().int().min(1).max(36_500).nullable().optional(),
  /** 1 … 1000. */
  max_keys_per_member: z.number().int().min(1).max(1000).optional(),
});
export type PatchSettingsBody = z.infer<typeof PatchSettingsBody>;
