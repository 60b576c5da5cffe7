import type { RequestHandler } from "express";
import { ApiError } from "../gateway/errors.js";

export interface HostPolicy {
  /** Host names (lower case, IPv6 in brackets) this server answers to. */
  hosts: () => ReadonlySet<string>;
  /** The port it listens on; a Host header must name it. */
  port: () => number;
  /** Origins allowed cross-origin (CORS); exact `scheme://host[:port]` strings. */
  corsOrigins: readonly string[];
}

const forbidden = (message: string) =>
  new ApiError(403, "invalid_request_error", message, "forbidden_host");

/** `host[:port]` → [name, port]; names lower-cased, IPv6 literals keep their brackets. */
export function splitHost(value: string): [string, number | null] | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return null;
  return [m[1]!.toLowerCase(), m[2] === undefined ? null : Number(m[2])];
}

/**
 * DNS-rebinding and cross-site defence. A `Host` header must name this server (an allow-listed
 * name and its port): a page on evil.example whose name re-resolves to 127.0.0.1 still sends
 * `Host: evil.example`. A browser `Origin` must be this server's own origin or a configured CORS
 * origin; anything else — including `Origin: null` — is refused before any route runs. CORS
 * headers go only to configured origins, echoed exactly, never `*`, and Private Network Access
 * is never granted.
 */
export function hostCheck(policy: HostPolicy): RequestHandler {
  const cors = new Set(policy.corsOrigins.map((o) => new URL(o).origin));
  return (req, res, next) => {
    const host = splitHost(req.headers.host ?? "");
    const port = policy.port();
    if (!host || !policy.hosts().has(host[0]) || (host[1] ?? 80) !== port) {
      next(forbidden("This server does not answer to that host name."));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const sameOrigin = isOwnOrigin(origin, host[0], port);
      if (!sameOrigin && !cors.has(origin)) {
        next(forbidden("Cross-origin requests from this origin are not allowed."));
        return;
      }
      if (!sameOrigin) {
        res.setHeader("access-control-allow-origin", origin);
        res.setHeader("vary", "Origin");
        res.setHeader(
          "access-control-expose-headers",
          "x-request-id, x-benchtop-route, retry-after, retry-after-ms, x-should-retry, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens",
        );
        if (req.method === "OPTIONS") {
          res.setHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
          res.setHeader("access-control-allow-headers", "authorization, content-type, x-api-key");
          res.setHeader("access-control-max-age", "600");
          res.status(204).end();
          return;
        }
      }
    }
    next();
  };
}

/** True when a browser `Origin` is this server's own: http, the same host, the same port. */
function isOwnOrigin(origin: string, host: string, port: number): boolean {
  try {
    const o = new URL(origin);
    const oPort = o.port === "" ? 80 : Number(o.port);
    return o.protocol === "http:" && o.hostname.toLowerCase() === host && oPort === port;
  } catch {
    return false; // "null" and other opaque origins
  }
}
