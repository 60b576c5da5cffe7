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
