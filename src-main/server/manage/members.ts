import {
  CreateMemberBody,
  MeDto,
  MemberDto,
  MemberListDto,
  PatchMemberBody,
} from "../../contract/index.js";
import { changeableMember, visibleMember } from "./access.js";
import { memberDto } from "./dto.js";
import {
  forbidden,
  mutate,
  nothingToChange,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

const OWNER_PROTECTED = "The owner cannot be disabled, deleted or demoted.";

/** Who the caller is, and the members of the lab. */
export const memberRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/me",
    access: "any",
    summary: "The member the key in use belongs to",
    response: MeDto,
    handle: (c) => {
      const { id, name, email, role, status } = visibleMember(c, c.principal.memberId);
      return { id, name, email, role, status };
    },
  }),
  route({
    method: "get",
    path: "/members",
    access: "staff",
    summary: "Active and disabled members (deleted ones stay readable by id)",
    response: MemberListDto,
    handle: (c) => ({
      object: "list",
      data: c.deps.store.members.listActiveAndDisabled().map(memberDto),
    }),
  }),
  route({
    method: "post",
    path: "/members",
    access: "admin",
    summary: "Add a member (only the owner may add admins)",
    body: CreateMemberBody,
    response: MemberDto,
    status: 201,
    handle: (c) => {
      if (c.body.role === "admin" && c.principal.role !== "owner")
        throw forbidden("Only the owner can add admins.", "role");
      const target = { action: "member.create", targetType: "member", targetId: null };
      return mutate(c, { ...target, memberId: "target" }, () => {
        const created = memberDto(c.deps.store.members.create(c.body));
        return { before: null, after: created, result: created, targetId: created.id };
      });
    },
  }),
  route({
    method: "get",
    path: "/members/:id",
    access: "any",
    summary: "One member (members: only themselves)",
    response: MemberDto,
    handle: (c) => memberDto(visibleMember(c, c.params.id!)),
  }),
  route({
    method: "patch",
    path: "/members/:id",
    access: "self",
    summary: "Change a member's name, email, role or status (members: own name and email)",
    body: PatchMemberBody,
    response: MemberDto,
    handle: (c) => patchMember(c),
  }),
  route({
    method: "delete",
    path: "/members/:id",
    access: "admin",
    summary: "Delete a member: status 'deleted', every key revoked, history kept",
    response: MemberDto,
    handle: (c) => deleteMember(c),
  }),
];

function patchMember(c: Call<unknown, PatchMemberBody>) {
  const { principal, body } = c;
  if (Object.keys(body).length === 0) throw nothingToChange();
  const target = changeableMember(c, c.params.id!);
  const self = target.id === principal.memberId;
  // Allow-list per role: only name and email are a member's own business.
  const guarded = (["role", "status"] as const).find((f) => body[f] !== undefined);
  if (guarded && principal.role === "member")
    throw forbidden(`Members cannot change their '${guarded}'.`, guarded);
  if (guarded && target.role === "owner")
    throw forbidden(OWNER_PROTECTED, guarded, "owner_protected");
  if (principal.role === "admin") {
    if (guarded && self) throw forbidden("Only the owner can change an admin.", guarded);
    if (body.role === "admin") throw forbidden("Only the owner can make someone an admin.", "role");
  }
  return mutate(
    c,
    { action: "member.update", targetType: "member", targetId: target.id, memberId: target.id },
    () => {
      c.deps.memberEdits.update(target.id, body);
      const after = memberDto(c.deps.store.members.get(target.id)!);
      return { before: memberDto(target), after, result: after };
    },
  );
}

function deleteMember(c: Call) {
  const { deps, principal } = c;
  const target = visibleMember(c, c.params.id!);
  if (target.role === "owner") throw forbidden(OWNER_PROTECTED, null, "owner_protected");
  if (target.role === "admin" && principal.role !== "owner")
    throw forbidden("Only the owner can delete an admin.");
  // Deleting twice changes nothing: the member as it is, and no second audit row.
  if (target.status === "deleted") return memberDto(target);
  return mutate(
    c,
    { action: "member.delete", targetType: "member", targetId: target.id, memberId: target.id },
    () => {
      deps.store.members.setStatus(target.id, "deleted");
      const revoked = deps.store.keys
        .listForMember(target.id)
        .filter((k) => deps.store.keys.revoke(k.id))
        .map((k) => k.id);
      const after = memberDto(deps.store.members.get(target.id)!);
      return {
        before: memberDto(target),
        after: { ...after, revoked_key_ids: revoked },
        result: after,
      };
    },
  );
}
