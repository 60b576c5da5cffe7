import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientTracker } from "./clientTracker.js";
import { answerClientErrors, ConnectionCap, type ConnectionLimits } from "./connectionGuard.js";

/** Where a listener is bound. */
export interface Bound {
  /** The bound address, e.g. `127.0.0.1`, `0.0.0.0`, `::`. */
  host: string;
  port: number;
  /** `http://<host>:<port>` (IPv6 in brackets). */
  url: string;
}

/**
 * The HTTP listeners of one app: one active listener, plus retired ones that finish their
 * requests in flight after a rebind. Every listener serves the same express app, so a rebind
 * changes where the API listens, never what it does.
 */
export class Listeners {
  private active?: { server: http.Server; bound: Bound };
  /** Every listener not yet fully closed, the active one included. */
  private readonly open = new Set<http.Server>();
  private closing?: Promise<void>;
  /** One count per client address over every listener, retiring ones included. */
  private readonly cap: ConnectionCap;

  constructor(
    private readonly app: http.RequestListener,
    private readonly tracker: ClientTracker,
    private readonly limits: ConnectionLimits,
  ) {
    this.cap = new ConnectionCap(limits);
  }

  get bound(): Bound | undefined {
    return this.active?.bound;
  }

  async listen(host: string, port: number): Promise<Bound> {
    if (this.active) throw new Error("already listening");
    const server = this.create();
    const bound = await bind(server, host, port);
    this.activate(server, bound);
    return bound;
  }

  /**
   * Moves the API to `host:port`: binds a new listener first and only then retires the old one,
   * whose requests in flight finish. When the new address overlaps the old one (same port,
   * e.g. `127.0.0.1:4747` → `0.0.0.0:4747`) the old listener stops accepting first; if the new
   * bind still fails, the old address is bound again. Rejects with the listen error (e.g.
   * `EADDRINUSE`, `EACCES`) and leaves the old listener in place.
   */
  async rebind(host: string, port: number): Promise<Bound> {
    const old = this.active;
    if (!old) throw new Error("not listening");
    const next = this.create();
    try {
      this.activate(next, await bind(next, host, port));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || port !== old.bound.port)
        throw err;
      this.retire(old.server);
      const retry = this.create();
      try {
        this.activate(retry, await bind(retry, host, port));
      } catch (retryErr) {
        const back = this.create();
        this.activate(back, await bind(back, old.bound.host, old.bound.port));
        throw retryErr;
      }
    }
    this.retire(old.server);
    return this.active!.bound;
  }

  /**
   * Stops every listener: none accepts, idle connections close, and requests in flight get
   * `graceMs` to finish before `onGraceOver` runs and every connection is cut. Safe to call twice.
   */
  close(graceMs: number, onGraceOver: () => void): Promise<void> {
    if (this.open.size === 0) return this.closing ?? Promise.resolve();
    return (this.closing ??= (async () => {
      const servers = [...this.open];
      const closed = Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      for (const s of servers) s.closeIdleConnections();
      const grace = setTimeout(() => {
        onGraceOver();
        for (const s of servers) s.closeAllConnections();
      }, graceMs);
      grace.unref();
      await closed;
      clearTimeout(grace);
      this.active = undefined;
    })());
  }

  private create(): http.Server {
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = this.limits;
    const server = http.createServer(
      {
        // How often Node looks for requests over their header or request timeout: a quarter of
        // the shorter one, between 50 ms and 5 s (Node's default, 30 s, would let a 30 s
        // timeout run to 60 s).
        connectionsCheckingInterval: Math.min(
          5_000,
          Math.max(50, Math.min(headersTimeoutMs, requestTimeoutMs) / 4),
        ),
      },
      this.app,
    );
    // Both bound only the receiving of a request: once it is in, a response may stream for as
    // long as generation takes (a request that is in leaves Node's timeout checks).
    server.headersTimeout = headersTimeoutMs;
    server.requestTimeout = Math.max(requestTimeoutMs, headersTimeoutMs);
    server.keepAliveTimeout = keepAliveTimeoutMs;
    // `Expect: 100-continue` goes to the app, which asks for the body only once the request is
    // authenticated (slowClients.ts); Node would otherwise invite every body at once.
    server.on("checkContinue", this.app);
    answerClientErrors(server);
    this.tracker.watch(server);
    // Last: the cap stands in front of every connection listener, the tracker's included.
    this.cap.guard(server);
    return server;
  }

  private activate(server: http.Server, bound: Bound): void {
    this.active = { server, bound };
    this.open.add(server);
    server.once("close", () => this.open.delete(server));
  }

  private retire(server: http.Server): void {
    if (!server.listening) return;
    server.close();
    this.tracker.retire(server);
  }
}

/** Listens on `host:port`; rejects with the listen error (nothing is left bound then). */
function bind(server: http.Server, host: string, port: number): Promise<Bound> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // A burst of clients (a lab's scripts starting together) must not overflow the accept
    // queue: Node's default backlog is 511. Defaults to 2048 (the kernel may cap it lower).
    server.listen({ port, host, backlog: 2048 }, () => {
      server.off("error", reject);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      resolve({ host: addr.address, port: addr.port, url: `http://${shownHost}:${addr.port}` });
    });
  });
}
