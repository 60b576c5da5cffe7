import {
  LedgerStatusDto,
  LimitsDto,
  LimitsViewDto,
  MemberStatusDto,
  NO_LIMITS,
} from "../../contract/index.js";
import { changeableMember, visibleMember } from "./access.js";
import { mutate, route, type Call, type ManageRoute } from "./routeTable.js";

type Scope = "org" | "default" | { memberId: string };

/** What is set for a scope, and what applies after inheritance (member ← default). */
function view(c: Call, scope: Scope): LimitsViewDto {
  const { limits } = c.deps.store;
  if (scope === "org") return { set: limits.limits("org"), effective: c.deps.ledger.orgLimits() };
  if (scope === "default") {
    const set = limits.limits("default");
    return { set, effective: { ...NO_LIMITS, ...set } };
  }
  return {
    set: limits.limits(scope.memberId),
    effective: c.deps.ledger.memberLimits(scope.memberId),
  };
}

/** PUT replaces the whole set for the scope (`{}` clears it); the ledger reads it per request. */
function put(c: Call<unknown, LimitsDto>, scope: Scope): LimitsViewDto {
  const key = typeof scope === "string" ? scope : scope.memberId;
  const memberId = typeof scope === "string" ? null : scope.memberId;
  return mutate(c, { action: "limits.set", targetType: "limits", targetId: key, memberId }, () => {
    const before = c.deps.store.limits.limits(key);
    c.deps.store.limits.setLimits(key, c.body);
    return { before, after: c.body, result: view(c, scope) };
  });
}

function orgScoped(scope: "org" | "default", what: string): ManageRoute[] {
  return [
    route({
      method: "get",
      path: `/limits/${scope}`,
      access: "staff",
      summary: `${what}: set and effective`,
      response: LimitsViewDto,
      handle: (c) => view(c, scope),
    }),
    route({
      method: "put",
      path: `/limits/${scope}`,
      access: "admin",
      summary: `Replace ${what.toLowerCase()}`,
      body: LimitsDto,
      response: LimitsViewDto,
      handle: (c) => put(c, scope),
    }),
  ];
}

function memberStatus(c: Call) {
  const member = visibleMember(c, c.params.id!);
  const { balance, reserved } = c.deps.ledger.creditsOf(member.id);
  return {
    ...c.deps.ledger.status(member.id),
    credits: {
      balance_micros: balance,
      reserved_micros: reserved,
      available_micros: balance - reserved,
    },
  };
}

/** Limits per scope and the live counters they are checked against. */
export const limitRoutes: ManageRoute[] = [
  ...orgScoped("org", "The whole lab's limits"),
  ...orgScoped("default", "Limits of members without their own value"),
  route({
    method: "get",
    path: "/members/:id/limits",
    access: "any",
    summary: "A member's limits: set and effective (member ← default)",
    response: LimitsViewDto,
    handle: (c) => view(c, { memberId: visibleMember(c, c.params.id!).id }),
  }),
  route({
    method: "put",
    path: "/members/:id/limits",
    access: "admin",
    summary: "Replace a member's own limits (absent fields inherit the default)",
    body: LimitsDto,
    response: LimitsViewDto,
    handle: (c) => put(c, { memberId: changeableMember(c, c.params.id!).id }),
  }),
  route({
    method: "get",
    path: "/members/:id/status",
    access: "any",
    summary: "A member's live counters (today, this month, last minute) and credits",
    response: MemberStatusDto,
    handle: memberStatus,
  }),
  route({
    method: "get",
    path: "/org/status",
    access: "staff",
    summary: "The whole lab's live counters",
    response: LedgerStatusDto,
    handle: (c) => c.deps.ledger.status(null),
  }),
];
