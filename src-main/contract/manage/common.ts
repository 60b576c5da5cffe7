import { z } from "zod";

/** Unix epoch milliseconds. Every instant in the management API is one of these, named `*_ms`. */
export const TimeMs = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Signed micro-dollars (adjustments and ledger entries may be negative). */
export const SignedMicros = z
  .number()
  .int()
  .min(-Number.MAX_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER);

/** A query-string integer (`?limit=50`): query values arrive as strings. */
export const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** OpenAI's list envelope, `{object: "list", data: [...]}`. */
export const ListOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal("list"), data: z.array(item) });

export const Role = z.enum(["owner", "admin", "member", "viewer"]);
export type Role = z.infer<typeof Role>;

/** Roles that can be given to a member: there is exactly one owner, created at first start. */
export const AssignableRole = z.enum(["admin", "member", "viewer"]);
export type AssignableRole = z.infer<typeof AssignableRole>;

export const MemberStatus = z.enum(["active", "disabled", "deleted"]);
export type MemberStatus = z.infer<typeof MemberStatus>;
