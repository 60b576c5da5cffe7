import type { MemberStatus, Role } from "@contract";

/**
 * What the signed-in person may do to a member, mirroring the server's checks
 * (src-main/server/manage/access.ts, members.ts, keys.ts) so the UI offers only what will work.
 * The server still decides: these only hide buttons that would be refused.
 */
export interface Principal {
  id: string;
  role: Role;
}

export interface MemberLike {
  id: string;
  role: Role;
  status: MemberStatus;
}

const isStaffWriter = (p: Principal) => p.role === "owner" || p.role === "admin";

/**
 * Whether `p` may change `target`'s objects (limits, credits, keys for others): the owner
 * anyone, an admin themself and members and viewers; nobody a deleted member.
 */
export function canChangeMember(p: Principal, target: MemberLike): boolean {
  if (target.status === "deleted" || !isStaffWriter(p)) return false;
  if (p.role === "owner") return true;
  return target.id === p.id || target.role === "member" || target.role === "viewer";
}

/** Limits, credits and role: staff writers, on members they may change. */
export const canEditLimits = canChangeMember;

/** Disable or enable: never the owner, never an admin their own status. */
export function canSetStatus(p: Principal, target: MemberLike): boolean {
  if (!canChangeMember(p, target) || target.role === "owner") return false;
  return !(p.role === "admin" && target.id === p.id);
}

/** Delete: never the owner; admins only members and viewers. */
export function canDelete(p: Principal, target: MemberLike): boolean {
  return canSetStatus(p, target) && (p.role === "owner" || target.role !== "admin");
}

/** Create keys: members their own; owner and admins whom they may change; viewers never. */
export function canCreateKeys(p: Principal, target: MemberLike): boolean {
  if (target.status === "deleted") return false;
  if (p.role === "member") return target.id === p.id;
  return canChangeMember(p, target);
}

/** Revoke a key of `keyOwner`: the same people who may create keys for them. */
export const canRevokeKeys = canCreateKeys;

/** Add members: the owner and admins (only the owner may add admins). */
export const canAddMembers = (p: Principal) => isStaffWriter(p);

/** The roles `p` may give a new member. */
export const assignableRoles = (p: Principal): ("admin" | "member" | "viewer")[] =>
  p.role === "owner" ? ["member", "viewer", "admin"] : ["member", "viewer"];

/** Whether `p` reads everyone (owner, admin, viewer) rather than only themself. */
export const seesEveryone = (p: Principal) => p.role !== "member";
