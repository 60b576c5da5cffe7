import type { ServerControl } from "../../app/serverControl.js";
import { PatchServerBody, ServerDto } from "../../contract/index.js";
import { ApiError } from "../../gateway/errors.js";
import {
  forbidden,
  mutate,
  nothingToChange,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

/** The core's server controls; absent only in routers built without a core (tests). */
function control(c: Call): ServerControl {
  if (!c.deps.server)
    throw new ApiError(
      503,
      "server_error",
      "Server controls are not available here.",
      "unavailable",
    );
  return c.deps.server;
}

/** Where the API listens and what it is serving right now. */
function serverStatus(c: Call): ServerDto {
  const s = control(c);
  const clients = s.clients();
  const engine = s.engineStatus();
  const binding = s.binding();
  return {
    host: binding.host,
    port: binding.port,
    lan: binding.lan,
    api_paused: s.apiPaused,
    urls: s.shareUrls().map((u) => ({ base_url: u.baseUrl, via: u.via })),
    started_ms: s.startedMs,
    uptime_s: Math.max(0, Math.floor((Date.now() - s.startedMs) / 1000)),
    clients: {
      sockets: clients.sockets,
      by_address: clients.byAddress.map((a) => ({
        address: a.address,
        sockets: a.sockets,
        in_flight: a.inFlight,
      })),
      event_subscribers: clients.eventSubscribers,
    },
    in_flight: {
      requests: clients.inFlight,
      by_member: clients.inFlightByMember.map((m) => ({
        member_id: m.memberId,
        name: c.deps.store.members.get(m.memberId)?.name ?? null,
        requests: m.requests,
      })),
    },
    engine: {
      max_queue: engine.maxQueue,
      models: engine.models.map((m) => ({
        model: m.id,
        state: m.state,
        slots: m.slots,
        busy_slots: m.busySlots,
        queued: m.queued,
        members: m.members.map((q) => ({
          member_id: q.memberId,
          name: c.deps.store.members.get(q.memberId)?.name ?? null,
          held: q.held,
          queued: q.queued,
        })),
      })),
    },
  };
}

/** What `server.update` events and audit rows record: the binding and the pause switch. */
function settingsOf(s: ServerControl) {
  return { ...s.binding(), api_paused: s.apiPaused };
}

/** The server itself: where it listens, who is connected, and the owner's controls. */
export const serverRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/server",
    access: "staff",
    summary: "Bind address, LAN sharing and its URLs, connected clients, queues per loaded model",
    response: ServerDto,
    handle: serverStatus,
  }),
  route({
    method: "patch",
    path: "/server",
    access: "admin",
    summary: "Share on the LAN, move to another port, or pause /v1 (owner only)",
    body: PatchServerBody,
    response: ServerDto,
    handle: async (c) => {
      const { lan, port, api_paused } = c.body;
      // Who can reach this machine, and whether the API answers, are the owner's decisions.
      if (c.principal.role !== "owner")
        throw forbidden("Only the owner can change where the server listens or pause it.");
      if (lan === undefined && port === undefined && api_paused === undefined)
        throw nothingToChange();
      const s = control(c);
      const before = settingsOf(s);
      const moved = await s.move({ lan, port });
      const binding = moved.after;
      try {
        mutate(
          c,
          { action: "server.update", targetType: "server", targetId: null, memberId: null },
          () => {
            if (binding !== moved.before) s.persist(binding);
            if (api_paused !== undefined) s.storeApiPaused(api_paused);
            return {
              before,
              after: { ...binding, api_paused: api_paused ?? before.api_paused },
              result: undefined,
            };
          },
        );
      } catch (err) {
        // Not recorded, so not done: put the listener back where it was.
        if (binding !== moved.before)
          await s.move({ lan: moved.before.lan, port: moved.before.port }).catch(() => undefined);
        throw err;
      }
      s.applyApiPaused();
      return serverStatus(c);
    },
  }),
];
