import { z } from "zod";
import { ANONYMOUS_LOOPBACK_SETTING, type Core } from "../app/createCore.js";
import type { BenchtopEvent } from "../app/eventBus.js";
import { PatchServerBody, ServerDto } from "../contract/index.js";
import type { CallerPrincipal } from "../gateway/types.js";
import { ApiError } from "../gateway/errors.js";
import { manageRoutes, type ManageDeps } from "../server/manage/index.js";
import { AuditRepo } from "../store/auditRepo.js";
import { MemberEditsRepo } from "../store/memberEditsRepo.js";
import { UsageQueries } from "../store/usageQueries.js";

/**
 * The tray's server switches (share on the LAN, pause the API), run in-process through the very
 * handler of `PATCH /manage/v1/server`: the same rules (a LAN needs a member with a live key;
 * only the owner may change it), the same audit row and `server.update` event, the same
 * config.json write, and the same rollback when the audit fails. The person at the tray is the
 * owner (the window signs in with the owner token too), so the change is audited as the owner's
 * member id. Pure (no `electron` import): tested under Node against a real core.
 */

/** The handler behind `PATCH /manage/v1/server`, from the one route table. */
function patchServerRoute() {
  const route = manageRoutes.find((r) => r.method === "patch" && r.path === "/server");
  if (!route) throw new Error("PATCH /manage/v1/server is not in the route table");
  return route;
}

/**
 * The management API's dependencies, over the core's own objects (as createCore wires them for
 * the HTTP router). The repositories built here hold prepared statements only, no state.
 */
function manageDepsOf(core: Core): ManageDeps {
  return {
    db: core.db,
    store: core.store,
    cipher: core.cipher,
    poolHealth: () => core.pools.health(),
    localModelExists: async (id) => (await core.engine.registry.find(id)) !== undefined,
    explainRoute: (q) => core.gateway.explainRoute(q),
    guard: core.guard,
    models: core.models,
    memberEdits: new MemberEditsRepo(core.db),
    audit: new AuditRepo(core.db),
    usage: new UsageQueries(core.db),
    ledger: core.ledger,
    events: core.events,
    server: core.serverControl,
    anonymousLoopbackSetting: ANONYMOUS_LOOPBACK_SETTING,
  };
}

export class ServerSwitches {
  private deps: ManageDeps | undefined;

  constructor(private readonly core: Core) {}

  /**
   * Applies `patch` as `PATCH /manage/v1/server` from the owner would, and returns the server's
   * state after it. Rejects with the route's `ApiError` (409 `lan_requires_member_key`,
   * `port_in_use`, `server_busy`…) when refused; nothing changed then.
   */
  async change(patch: PatchServerBody): Promise<ServerDto> {
    const route = patchServerRoute();
    const principal: CallerPrincipal = {
      memberId: this.core.ownerId,
      role: "owner",
      keyId: null,
    };
    const result: unknown = await route.handle({
      deps: (this.deps ??= manageDepsOf(this.core)),
      principal,
      params: {},
      query: {},
      body: PatchServerBody.parse(patch),
      // No HTTP exchange: this handler reads neither (the test runs it to prove it).
      req: undefined as never,
      res: undefined as never,
      now: Date.now(),
    });
    return ServerDto.parse(result);
  }
}

/** The server's state as a `server.update` event carries it (the audit row's `after`). */
const ServerUpdate = z.object({
  host: z.string(),
  port: z.number().int(),
  lan: z.boolean(),
  api_paused: z.boolean(),
});
export type ServerUpdate = z.infer<typeof ServerUpdate>;

/**
 * The committed state a `server.update` event announces; `undefined` for other events or data
 * of another shape. The tray reads this rather than `serverControl.apiPaused`, which the route
 * applies only after the event has gone out.
 */
export function serverUpdateOf(event: BenchtopEvent): ServerUpdate | undefined {
  if (event.type !== "server.update") return undefined;
  const parsed = ServerUpdate.safeParse(event.data);
  return parsed.success ? parsed.data : undefined;
}

/** What to tell the person at the tray when a switch was refused. */
export interface SwitchFailure {
  title: string;
  message: string;
  detail?: string;
  /** An app page that fixes it (hash route), offered as a button. */
  page?: { label: string; hash: string };
}

/** What the patch was trying to do, for a failure's title. */
function attempted(patch: PatchServerBody): string {
  if (patch.lan !== undefined) return patch.lan ? "share on the LAN" : "stop sharing on the LAN";
  if (patch.port !== undefined) return `move to port ${patch.port}`;
  return patch.api_paused ? "pause the API" : "turn the API back on";
}

/** The dialog for a switch that failed with `err` (an `ApiError` from the route, or anything). */
export function switchFailure(err: unknown, patch: PatchServerBody): SwitchFailure {
  if (err instanceof ApiError && err.code === "lan_requires_member_key") {
    return {
      title: "Benchtop is not shared on the LAN",
      message: "Nobody but the owner has an API key yet, so nobody on the LAN could use Benchtop.",
      detail:
        "Add a member and create an API key for them on the Members page, then share on the LAN.",
      page: { label: "Open Members", hash: "#/members" },
    };
  }
  const message = err instanceof Error && err.message ? err.message : String(err);
  return { title: `Benchtop could not ${attempted(patch)}`, message };
}
