import { z } from "zod";

/** `GET /manage/v1/settings`. */
export const SettingsDto = z.object({
  /** IANA zone whose calendar days and months the budgets and day buckets use. */
  time_zone: z.string(),
  /** Unauthenticated requests from this machine act as the owner (default false; loopback only). */
  anonymous_loopback: z.boolean(),
});
export type SettingsDto = z.infer<typeof SettingsDto>;

/** `PATCH /manage/v1/settings`. Only the owner may change `anonymous_loopback`. */
export const PatchSettingsBody = z.strictObject({
  time_zone: z.string().min(1).max(100).optional(),
  anonymous_loopback: z.boolean().optional(),
});
export type PatchSettingsBody = z.infer<typeof PatchSettingsBody>;
