import { z } from "zod";
import { ListOf, TimeMs } from "./common.js";

/** An API key as listed: never the key itself, only what identifies it to a person. */
export const ApiKeyDto = z.object({
  id: z.string(),
  member_id: z.string(),
  name: z.string(),
  /** `btk_` + the first 4 characters. */
  prefix: z.string(),
  last4: z.string(),
  /** `active`, or why the key no longer authenticates. */
  status: z.enum(["active", "revoked", "expired"]),
  created_ms: TimeMs,
  expires_ms: TimeMs.nullable(),
  revoked_ms: TimeMs.nullable(),
  /** Updated at most once a minute. */
  last_used_ms: TimeMs.nullable(),
});
export type ApiKeyDto = z.infer<typeof ApiKeyDto>;

export const ApiKeyListDto = ListOf(ApiKeyDto);
export type ApiKeyListDto = z.infer<typeof ApiKeyListDto>;

/** `POST /manage/v1/members/{id}/keys`. No expiry unless `expires_ms` is given. */
export const CreateKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  expires_ms: TimeMs.optional(),
});
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

/** The answer to creating a key: the only time the plain `key` is ever shown. */
export const CreatedKeyDto = ApiKeyDto.extend({ key: z.string() });
export type CreatedKeyDto = z.infer<typeof CreatedKeyDto>;
