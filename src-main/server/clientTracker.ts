import type http from "node:http";
import type { Socket } from "node:net";
import type { RequestHandler, Response } from "express";
import type { CallerPrincipal } from "../gateway/types.js";
import { peerAddress } from "./connectionGuard.js";

/** What the server is serving right now, for `GET /manage/v1/server`. */
export interface ClientSnapshot {
  /** Open TCP connections on every listener (retiring ones included). */
  sockets: number;
  /** Per remote address: open connections and `/v1` requests in flight. Sorted by address. */
  byAddress: { address: string; sockets: number; inFlight: number }[];
  /** `/v1` requests in flight. */
  inFlight: number;
  /** Per member with at least one `/v1` request in flight. Sorted by member id. */
  inFlightByMember: { memberId: string; requests: number }[];
  /** Open `/manage/v1/events` streams. */
  eventSubscribers: number;
}

interface Tracked {
  socket: Socket;
  res: Response;
  kind: "inference" | "events" | "other";
  memberId?: string;
}

/**
 * Counts connections (from each listener's `connection` events) and requests in flight, and lets
 * a listener retire gracefully: once retired, its keep-alive connections are closed as soon as
 * they go idle, and its event streams end (their clients reconnect to the new address), while
 * requests in flight on it finish.
 */
export class ClientTracker {
  private readonly sockets = new Map<Socket, http.Server>();
  private readonly requests = new Set<Tracked>();
  private readonly retired = new WeakSet<http.Server>();

  /** Follows `server`'s connections until they close. */
  watch(server: http.Server): void {
    server.on("connection", (socket: Socket) => {
      this.sockets.set(socket, server);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** Mounted first: records every request until its response closes. */
  readonly trackRequests: RequestHandler = (req, res, next) => {
    const entry: Tracked = { socket: req.socket, res, kind: "other" };
    this.requests.add(entry);
    res.locals.clientTrackerEntry = entry;
    const server = this.sockets.get(req.socket);
    // A request on a retired listener's connection is its last: the client reconnects (to the
    // new address) for the next one.
    if (server && this.retired.has(server)) res.setHeader("connection", "close");
    res.once("close", () => {
      this.requests.delete(entry);
      if (server && this.retired.has(server)) setImmediate(() => server.closeIdleConnections());
    });
    next();
  };

  /**
   * Mounted after authentication: tags the request with its member (`/v1`) or as an event
   * stream (`GET /manage/v1/events`), which is what the snapshot counts.
   */
  readonly tagAuthenticated: RequestHandler = (req, res, next) => {
    const entry = res.locals.clientTrackerEntry as Tracked | undefined;
    const principal = res.locals.principal as CallerPrincipal | undefined;
    if (entry && principal) {
      const path = req.originalUrl.split("?")[0]!;
      if (path.startsWith("/v1/")) {
        entry.kind = "inference";
        entry.memberId = principal.memberId;
      } else if (req.method === "GET" && path === "/manage/v1/events") entry.kind = "events";
    }
    next();
  };

  /** Stops `server`'s idle connections now and the busy ones once they go idle; ends its event streams. */
  retire(server: http.Server): void {
    this.retired.add(server);
    for (const r of this.requests)
      if (r.kind === "events" && this.sockets.get(r.socket) === server) r.res.end();
    server.closeIdleConnections();
  }

  snapshot(): ClientSnapshot {
    const byAddress = new Map<string, { sockets: number; inFlight: number }>();
    const at = (address: string) => {
      let a = byAddress.get(address);
      if (!a) byAddress.set(address, (a = { sockets: 0, inFlight: 0 }));
      return a;
    };
    for (const socket of this.sockets.keys()) at(peerAddress(socket)).sockets++;
    const byMember = new Map<string, number>();
    let inFlight = 0;
    let eventSubscribers = 0;
    for (const r of this.requests) {
      if (r.kind === "events") eventSubscribers++;
      if (r.kind !== "inference" || !r.memberId) continue;
      inFlight++;
      at(peerAddress(r.socket)).inFlight++;
      byMember.set(r.memberId, (byMember.get(r.memberId) ?? 0) + 1);
    }
    const sorted = <T>(m: Map<string, T>) =>
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      sockets: this.sockets.size,
      byAddress: sorted(byAddress).map(([address, a]) => ({ address, ...a })),
      inFlight,
      inFlightByMember: sorted(byMember).map(([memberId, requests]) => ({ memberId, requests })),
      eventSubscribers,
    };
  }
}
