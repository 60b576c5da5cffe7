import { randomFillSync } from "node:crypto";
import type { Request, Response } from "express";
import type { CallerPrincipal, RequestContext } from "../gateway/types.js";

/**
 * The per-request context. Its signal aborts when the client disconnects before the response
 * has finished (generation stops and frees its sequence) or when the server shuts down.
 */
export function requestContext(req: Request, res: Response, shutdown: AbortSignal): RequestContext {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new Error("client disconnected"));
  };
  res.on("close", onClose);
  const onShutdown = () => abort.abort(new Error("server shutting down"));
  shutdown.addEventListener("abort", onShutdown, { once: true });
  res.on("close", () => shutdown.removeEventListener("abort", onShutdown));
  return {
    requestId: String(res.getHeader("x-request-id")),
    // Set by requireAuth, which guards every route that builds a context.
    principal: res.locals.principal as CallerPrincipal,
    signal: abort.signal,
    onClose: (fn) => res.once("close", fn),
    receivedAtMs: (req as Request & { receivedAtMs?: number }).receivedAtMs ?? Date.now(),
  };
}

/** Random bytes for request ids, filled 4 KiB at a time rather than one call per request. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `req_` and 24 hex digits (96 random bits), unique per request. */
export function newRequestId(): string {
  if (used + 12 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 12;
  return `req_${pool.toString("hex", used - 12, used)}`;
}
