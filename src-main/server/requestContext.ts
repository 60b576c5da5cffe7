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
    onAdmitted: (headers) => {
      if (!res.headersSent) res.set(headers);
    },
    ...sessionKeyOf(req),
    ...forcedModelOf(req),
    // `x-benchtop-guard-restore: true` (or 1): the guard's placeholders go back into the answer.
    ...(/^(true|1)$/i.test(req.get("x-benchtop-guard-restore")?.trim() ?? "")
      ? { restorePlaceholders: true }
      : {}),
  };
}

/** `x-benchtop-model: <id>` forces the route's target (an id is at most 256 characters). */
function forcedModelOf(req: Request): { forcedModel?: string } {
  const raw = req.get("x-benchtop-model")?.trim();
  return raw ? { forcedModel: raw.slice(0, 256) } : {};
}

/** The most characters of a client's session id kept (the rest is dropped). */
export const SESSION_ID_MAX_CHARS = 128;

/**
 * A client-supplied session id made safe to store and show: control and format characters
 * (C0/C1 controls, bidi overrides, zero-width marks: a header may carry Latin-1 bytes) removed,
 * trimmed, and at most `SESSION_ID_MAX_CHARS` characters (whole code points). Undefined when
 * nothing is left.
 */
export function sanitizeSessionId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const clean = Array.from(raw.replace(/[\p{Cc}\p{Cf}]/gu, "").trim())
    .slice(0, SESSION_ID_MAX_CHARS)
    .join("")
    .trim();
  return clean === "" ? undefined : clean;
}

/**
 * The client's session id, where it sends one: Claude Code's `x-claude-code-session-id`, or a
 * generic `x-session-id`. It keeps a session on the same local sequence and is recorded on the
 * usage row (the Usage page's sessions); never trusted for anything else.
 */
function sessionKeyOf(req: Request): { sessionKey?: string } {
  const clean = sanitizeSessionId(req.get("x-claude-code-session-id") ?? req.get("x-session-id"));
  return clean !== undefined ? { sessionKey: clean } : {};
}

/** Random bytes for request ids, filled 4 KiB at a time rather than one call per request. */
const pool = Buffer.alloc(4096);
let used = pool.length;
let lastMs = 0;
let seq = 0;

/**
 * `req_` and 24 hex digits: the time in ms (12 digits), a counter within the ms (4) and 32
 * random bits (8). Ids of one process only increase, so they are unique without a lookup, and
 * the usage rows keyed by them are inserted at the right edge of their indexes: new rows touch
 * the same few pages instead of a random page each (measured: a quarter less SQLite time per
 * admission, more when admissions share a commit). The random part keeps ids of different runs
 * apart should the clock step back.
 */
export function newRequestId(): string {
  let now = Date.now();
  if (now <= lastMs) {
    // The same millisecond (or the clock stepped back): count on from the last id.
    now = lastMs;
    if (++seq > 0xffff) {
      now = ++lastMs;
      seq = 0;
    }
  } else seq = 0;
  lastMs = now;
  if (used + 4 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 4;
  const time = now.toString(16).padStart(12, "0");
  const count = seq.toString(16).padStart(4, "0");
  return `req_${time}${count}${pool.toString("hex", used - 4, used)}`;
}
