import type { BenchtopEvent } from "../../app/eventBus.js";
import { maskSecrets } from "../../store/auditRepo.js";
import { seesEveryone } from "./access.js";
import { snakeKeys } from "./dto.js";
import { route, type Call, type ManageRoute } from "./routeTable.js";

/** Default interval of `: ping` comments, which keep proxies and idle timers from cutting the stream. */
const HEARTBEAT_MS = 15_000;

/**
 * True when `event` changes who the stream's caller is: their key revoked, or their member
 * deleted, disabled or given another role. The stream then ends, as the next request would fail
 * or see other things; an open stream must not outlive the credential that opened it.
 */
function endsStream(c: Call, e: BenchtopEvent): boolean {
  // The server is stopping: end every stream now so shutdown does not wait out its grace period.
  if (e.type === "server.closing") return true;
  const data = (e.data ?? {}) as { id?: string; role?: string; status?: string };
  if (e.type === "key.revoke") return data.id === c.principal.keyId;
  if (e.type === "member.delete") return e.memberId === c.principal.memberId;
  if (e.type === "member.update" && e.memberId === c.principal.memberId)
    return data.role !== c.principal.role || data.status !== "active";
  return false;
}

function streamEvents(c: Call): undefined {
  const { req, res, deps, principal } = c;
  res.status(200).set({
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  res.write(": connected\n\n");
  const everyone = seesEveryone(c);
  const off = deps.events.on((e) => {
    if (res.writableEnded) return;
    // Members see only events about themselves; org-wide events (memberId null) go to staff.
    if (everyone || (e.memberId !== null && e.memberId === principal.memberId)) {
      const body = { type: e.type, member_id: e.memberId, data: snakeKeys(maskSecrets(e.data)) };
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(body)}\n\n`);
    }
    if (endsStream(c, e)) {
      stop();
      res.end();
    }
  });
  // A write after end throws out of the timer (an uncaught exception): the heartbeat stops with
  // the stream, and checks again in case the socket ended in between.
  const ping = setInterval(() => {
    if (!res.writableEnded && !res.destroyed) res.write(": ping\n\n");
  }, deps.eventsHeartbeatMs ?? HEARTBEAT_MS);
  ping.unref();
  function stop() {
    off();
    clearInterval(ping);
  }
  req.on("close", stop);
  res.on("close", stop);
  res.on("finish", stop);
  return undefined;
}

/** Live updates for the management UI: usage, alerts, member, key, limit and price changes. */
export const eventRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/events",
    access: "any",
    summary: "Server-sent events (members: only events about themselves)",
    response: "event-stream",
    handle: streamEvents,
  }),
];
