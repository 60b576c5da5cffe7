import type { Request, Response } from "express";
import type { z } from "zod";
import type { EventBus } from "../../app/eventBus.js";
import type { BodyRetention } from "../../audit/bodyRetention.js";
import type { ServerControl } from "../../app/serverControl.js";
import { ApiError } from "../../gateway/errors.js";
import type { CallerPrincipal } from "../../gateway/types.js";
import type { LocalModels } from "../../models/LocalModels.js";
import type { Ledger } from "../../policy/ledger.js";
import type { SecretCipher } from "../../platform/types.js";
import type { HealthSnapshot } from "../../pools/health.js";
import type { AlertsRepo } from "../../store/alertsRepo.js";
import type { AuditRepo } from "../../store/auditRepo.js";
import type { ConnectionsRepo } from "../../store/connectionsRepo.js";
import type { GuardRepo } from "../../store/guardRepo.js";
import type { Guard } from "../../guard/Guard.js";
import type { ConversationsRepo } from "../../store/conversationsRepo.js";
import type { CreditsRepo } from "../../store/creditsRepo.js";
import type { Db } from "../../store/db.js";
import type { KeysRepo } from "../../store/keysRepo.js";
import type { LimitsRepo } from "../../store/limitsRepo.js";
import type { MemberEditsRepo } from "../../store/memberEditsRepo.js";
import type { MembersRepo, Role } from "../../store/membersRepo.js";
import type { PoolsRepo } from "../../store/poolsRepo.js";
import type { RoutingRepo } from "../../store/routingRepo.js";
import type { ClassifierKind, RouteTestDto } from "../../contract/index.js";
import type { SettingsRepo } from "../../store/settingsRepo.js";
import type { UsageQueries } from "../../store/usageQueries.js";

/** What the management API is built from (all of it owned by the core). */
export interface ManageDeps {
  db: Db;
  store: {
    members: MembersRepo;
    keys: KeysRepo;
    limits: LimitsRepo;
    credits: CreditsRepo;
    alerts: AlertsRepo;
    settings: SettingsRepo;
    connections: ConnectionsRepo;
    pools: PoolsRepo;
    conversations: ConversationsRepo;
    routing: RoutingRepo;
    guard: GuardRepo;
  };
  /** The guard step (policies' effect, dry runs on the Guardrails page). */
  guard: Guard;
  /** Where a prompt would be routed for a member, and why (the gateway's route step, dry). */
  explainRoute: (q: {
    model: string;
    messages: { role: "system" | "user" | "assistant"; content: string }[];
    memberId: string;
    classifier?: ClassifierKind;
    signal: AbortSignal;
  }) => Promise<RouteTestDto>;
  /** Encrypts provider keys before they are stored. */
  cipher: SecretCipher;
  /** Live health of every pool target, keyed `<connection id>/<key id>/<upstream model>`. */
  poolHealth: () => Record<string, HealthSnapshot>;
  /** Whether a local model has this id: the local provider wins routing, so no pool may take it. */
  localModelExists: (id: string) => Promise<boolean>;
  /** Local model management (list, load, delete, import, downloads); absent: those routes 503. */
  models?: LocalModels;
  memberEdits: MemberEditsRepo;
  audit: AuditRepo;
  /** Retained request bodies (body retention); absent: no body is ever found. */
  bodies?: BodyRetention;
  usage: UsageQueries;
  ledger: Ledger;
  events: EventBus;
  /**
   * Where the API listens and the run-time settings (idle TTL, retention, pause); absent: the
   * `/server` and `/settings` routes 503.
   */
  server?: ServerControl;
  /** Saved chat text one member may keep (config `chat.maxStoredBytesPerMember`). */
  chatBytesPerMember?: number;
  /** Settings key of the owner's "anonymous use from this machine" switch. */
  anonymousLoopbackSetting: string;
  now?: () => number;
  /** Interval of `: ping` comments on `/events`. Defaults to 15 000 ms. */
  eventsHeartbeatMs?: number;
}

/**
 * Who may reach a route at all, checked by the router before the handler runs. Object-level
 * checks (a member sees only their own objects) are the handler's, through access.ts.
 */
export const ACCESS = {
  /** Every role; member-scoped reads narrow to the caller's own objects. */
  any: ["owner", "admin", "member", "viewer"],
  /** Writes a member may make to their own objects (keys, name); viewers mutate nothing. */
  self: ["owner", "admin", "member"],
  /** Org-wide reads. */
  staff: ["owner", "admin", "viewer"],
  /** Org-wide writes. */
  admin: ["owner", "admin"],
} as const satisfies Record<string, readonly Role[]>;
export type Access = keyof typeof ACCESS;

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** One handler invocation: the parsed query and body, the caller, and the core. */
export interface Call<Q = unknown, B = unknown> {
  deps: ManageDeps;
  principal: CallerPrincipal;
  /** Path parameters; a wildcard (`*model`) arrives joined with `/`. */
  params: Record<string, string>;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  now: number;
}

/**
 * A management route: the single table both the express router and the OpenAPI document are
 * built from, so neither can list a route the other lacks.
 */
export interface ManageRoute {
  method: Method;
  /** Express path below `/manage/v1`, e.g. `/members/:id` or `/prices/*model`. */
  path: string;
  access: Access;
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * The JSON body schema (responses are parsed with it: unknown fields never leave), or SSE,
   * CSV or an export (JSON Lines or CSV, by its `format`), which the handler writes itself.
   */
  response: z.ZodType | "event-stream" | "csv" | "export";
  /** Success status. Defaults to 200. */
  status?: number;
  /** Returns the response body (or a promise of it); `undefined` when it answered itself (SSE). */
  handle(call: Call): unknown;
}

/** Declares a route with its query and body types inferred from their schemas. */
export function route<Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  def: Omit<ManageRoute, "handle" | "query" | "body"> & {
    query?: Q;
    body?: B;
    handle(call: Call<z.output<Q>, z.output<B>>): unknown;
  },
): ManageRoute {
  return def as ManageRoute;
}

// ── errors ──────────────────────────────────────────────────────────────────────────────

/**
 * 404 for an object that does not exist OR that the caller may not see: one body for both, so a
 * member learns nothing about other members' ids (it names the kind, never the id).
 */
export const notFound = (kind: string) =>
  new ApiError(
    404,
    "invalid_request_error",
    `No such ${kind}, or you do not have access to it.`,
    "not_found",
  );

/** 403 for a function the caller's role may not use. */
export const forbidden = (
  message: string,
  param: string | null = null,
  code = "insufficient_permissions",
) => new ApiError(403, "permission_error", message, code, param);

/** 400 for a PATCH with no field: nothing would change, so nothing is written or audited. */
export const nothingToChange = () =>
  new ApiError(
    400,
    "invalid_request_error",
    "Nothing to change: send at least one field.",
    "empty_patch",
  );

export const conflict = (message: string, code: string) =>
  new ApiError(409, "invalid_request_error", message, code);

// ── mutations ───────────────────────────────────────────────────────────────────────────

export interface MutationTarget {
  /** `<resource>.<verb>`; also the type of the event it emits. */
  action: string;
  targetType: string;
  targetId: string | null;
  /**
   * Whose event this is (members see only their own); null for org-wide changes; "target" for
   * the id `change` returns (a member created inside the transaction).
   */
  memberId: string | null | "target";
}

/**
 * Runs a mutation and writes its one audit row in the same SQLite transaction (IMMEDIATE: the
 * write lock is taken before anything is read), then emits the change after the commit.
 * `change` returns the before/after snapshots for the audit row and the response body, and the
 * target's id when it only exists once the change ran.
 */
export function mutate<T>(
  call: Call,
  target: MutationTarget,
  change: () => { before: unknown; after: unknown; result: T; targetId?: string },
): T {
  const { deps, principal } = call;
  const run = deps.db.transaction(() => {
    const out = change();
    deps.audit.append(
      { id: principal.memberId, role: principal.role },
      target.action,
      target.targetType,
      out.targetId ?? target.targetId,
      out.before ?? null,
      out.after ?? null,
    );
    return out;
  });
  const out = run.immediate();
  const memberId = target.memberId === "target" ? (out.targetId ?? null) : target.memberId;
  deps.events.emit({ type: target.action, memberId, data: out.after });
  return out.result;
}
