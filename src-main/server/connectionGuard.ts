import type http from "node:http";
import type { Socket } from "node:net";
import { SECURITY_HEADERS } from "./securityHeaders.js";

/**
 * How long clients may take and how many connections one address may hold. Every listener gets
 * the same; `config.server` sets them (see config.ts for what each default protects).
 */
export interface ConnectionLimits {
  /** Node's `headersTimeout`: ms to send a request's headers (and for a silent new connection). */
  headersTimeoutMs: number;
  /** Node's `requestTimeout`: ms to send a whole request. Never cuts a response. */
  requestTimeoutMs: number;
  /** ms a request's body has to arrive after its headers (`/v1`, `/manage`): then 408. */
  bodyTimeoutMs: number;
  /** ms an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; more are refused with a 429. `0`: no cap. */
  maxConnectionsPerAddress: number;
  /** Whether the cap applies to loopback clients too. */
  capLoopback: boolean;
}

/** The defaults, which config.ts states too: see there for the reasons. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxConnectionsPerAddress: 64,
  capLoopback: false,
};

/** `::ffff:10.0.0.5` → `10.0.0.5`: IPv4 peers of a dual-stack listener count as IPv4. */
export function peerAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? "unknown";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

const isLoopback = (address: string) => address === "::1" || /^127\./.test(address);

/**
 * A complete HTTP/1.1 answer written straight to a socket (no request was parsed, or the parser
 * gave up on it): an OpenAI-shaped error body, the security headers, `Connection: close`.
 */
export function rawErrorResponse(
  status: number,
  reason: string,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): string {
  const type = status === 429 ? "rate_limit_error" : "invalid_request_error";
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...SECURITY_HEADERS,
    ...extra,
    connection: "close",
  };
  const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`);
  return `HTTP/1.1 ${status} ${reason}\r\n${lines.join("")}\r\n${body}`;
}

/** Ends `socket` after writing `answer`; unread input is discarded until the client leaves. */
function refuse(socket: Socket, answer: string): void {
  socket.on("error", () => undefined);
  socket.end(answer);
  socket.resume();
  // A client that neither reads nor closes is cut: a refusal must not hold a socket long.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/**
 * Counts open connections per client address over every listener, and lets a listener accept
 * a connection only while its address is under the cap. Excess connections are answered
 * `429 too_many_connections` (with `retry-after`) and closed before the HTTP parser sees them.
 */
export class ConnectionCap {
  private readonly open = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  /** Current count for `address` (tests and the Server page read it through snapshots). */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }

  /**
   * Puts the cap in front of `server`'s `connection` listeners (Node's HTTP one among them,
   * and any added before this call): they run only for accepted sockets.
   */
  guard(server: http.Server): void {
    const listeners = server.listeners("connection") as ((socket: Socket) => void)[];
    server.removeAllListeners("connection");
    server.on("connection", (socket: Socket) => {
      if (!this.admit(socket)) {
        refuse(
          socket,
          rawErrorResponse(
            429,
            "Too Many Requests",
            "too_many_connections",
            `Too many open connections from your address (at most ${this.limits.maxConnectionsPerAddress}). Close some, or retry later.`,
            { "retry-after": "1" },
          ),
        );
        return;
      }
      for (const listener of listeners) listener.call(server, socket);
    });
  }

  private admit(socket: Socket): boolean {
    const max = this.limits.maxConnectionsPerAddress;
    const address = peerAddress(socket);
    if (max <= 0 || (!this.limits.capLoopback && isLoopback(address))) return true;
    const n = this.count(address);
    if (n >= max) return false;
    this.open.set(address, n + 1);
    socket.once("close", () => {
      const left = this.count(address) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
    return true;
  }
}

/**
 * Answers what Node's HTTP parser refuses (malformed requests, headers over 16 KiB, header and
 * request timeouts) the way Node would — 400, 431, 408 — but with a JSON error body and the
 * security headers, then closes the connection. A timeout after part of an answer went out (a
 * client still sending a body nobody reads) just closes it.
 */
export function answerClientErrors(server: http.Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.bytesWritten > 0 || err.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const answer =
      err.code === "HPE_HEADER_OVERFLOW"
        ? rawErrorResponse(
            431,
            "Request Header Fields Too Large",
            "request_header_too_large",
            "The request's headers (URL included) are too large.",
          )
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? rawErrorResponse(
              408,
              "Request Timeout",
              "request_timeout",
              "The request did not arrive in time.",
            )
          : rawErrorResponse(
              400,
              "Bad Request",
              "malformed_request",
              "The HTTP request is malformed.",
            );
    socket.on("error", () => undefined);
    socket.end(answer);
    setTimeout(() => socket.destroy(), 2_000).unref();
  });
}
