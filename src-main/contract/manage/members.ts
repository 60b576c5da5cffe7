import { z } from "zod";
import { AssignableRole, ListOf, MemberStatus, Role, TimeMs } from "./common.js";

/** Body of `GET /manage/v1/me`: who the key in use belongs to. */
export const MeDto = z.object({
  id: z.string(),
  name: z.string(),
  /** The desktop owner may have no address. */
  email: z.string().nullable(),
  role: Role,
  status: MemberStatus,
});
export type MeDto = z.infer<typeof MeDto>;

export const MemberDto = MeDto.extend({ created_ms: TimeMs, updated_ms: TimeMs });
export type MemberDto = z.infer<typeof MemberDto>;

/** `GET /manage/v1/members`: active and disabled members (deleted ones stay readable by id). */
export const MemberListDto = ListOf(MemberDto);
export type MemberListDto = z.infer<typeof MemberListDto>;

const Name = z.string().trim().min(1).max(200);
const Email = z.email().max(320).nullable();

/** `POST /manage/v1/members`. Only the owner may create admins. */
export const CreateMemberBody = z.strictObject({
  name: Name,
  email: Email.optional(),
  /** Defaults to `member`. */
  role: AssignableRole.default("member"),
});
export type CreateMemberBody = z.input<typeof CreateMemberBody>;

/**
 * `PATCH /manage/v1/members/{id}`: the fields present change. A member may set only `name` and
 * `email` (of themselves); only the owner may change an admin or make someone admin; the
 * owner's role and status never change. Deleting is `DELETE`, not a status.
 */
export const PatchMemberBody = z.strictObject({
  name: Name.optional(),
  email: Email.optional(),
  role: AssignableRole.optional(),
  status: z.enum(["active", "disabled"]).optional(),
});
export type PatchMemberBody = z.infer<typeof PatchMemberBody>;
