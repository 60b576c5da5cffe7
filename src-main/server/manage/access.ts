import type { Member } from "../../store/membersRepo.js";
import { conflict, forbidden, notFound, type Call } from "./routeTable.js";

/**
 * Object-level authorization (OWASP API1): every handler that takes an id loads the object
 * through these, so a member can reach only their own objects and gets the same 404 for
 * another member's id as for an id that does not exist.
 */

/** Owner, admin and viewer read every member's objects; a member only their own. */
export const seesEveryone = (call: Call) => call.principal.role !== "member";

/** The member `id`, if the caller may see it; 404 otherwise. Deleted members stay readable. */
export function visibleMember(call: Call, id: string): Member {
  if (!seesEveryone(call) && id !== call.principal.memberId) throw notFound("member");
  const member = call.deps.store.members.get(id);
  if (!member) throw notFound("member");
  return member;
}

/**
 * A member whose objects (keys, limits, credits, record) the caller may change. Admins manage
 * everyone but the owner and the other admins; deleted members are history and stay as they are.
 * Viewers never get here (the router refuses them before any handler runs).
 */
export function changeableMember(call: Call, id: string): Member {
  const member = visibleMember(call, id);
  const { role, memberId } = call.principal;
  if (
    role === "admin" &&
    member.id !== memberId &&
    member.role !== "member" &&
    member.role !== "viewer"
  )
    throw forbidden("Admins cannot change the owner or other admins.");
  if (member.status === "deleted")
    throw conflict("This member has been deleted.", "member_deleted");
  return member;
}

/**
 * The member filter of a member-scoped query (usage, alerts): members always get their own and
 * a 404 for anyone else's id; the others get what they asked for (undefined: everyone).
 */
export function memberFilter(call: Call, requested: string | undefined): string | undefined {
  if (seesEveryone(call)) return requested;
  if (requested !== undefined && requested !== call.principal.memberId) throw notFound("member");
  return call.principal.memberId;
}
