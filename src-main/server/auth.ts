import type { RequestHandler } from "express";
import type { CallerPrincipal } from "../gateway/types.js";
import { ApiError } from "../gateway/errors.js";
import { AUTH_FAILURE_MESSAGES, QUERY_KEY_NAMES, authenticate } from "../policy/authenticate.js";
import type { KeysRepo } from "../store/keysRepo.js";
import type { StorageHealth } from "../store/storageHealth.js";

export interface AuthOptions {
  keys: KeysRepo;
  /** The owner's member id: anonymous local use (when allowed) acts as the owner. */
  ownerId: string;
  /**
   * Whether the owner allowed unauthenticated use from this machine. Read on every request.
   * Applies to inference (/v1) only: managing the lab always takes a key.
   */
  anonymousLoopback: () => boolean;
  /** True when the server listens on loopback only; anonymous use is never possible otherwise. */
  boundToLoopback: () => boolean;
  /**
   * Whether the database's disk takes writes: while it is full, the `last_used` touch (not
   * needed to answer) is skipped and made by the first request after space returns.
   */
  storage?: StorageHealth;
  now?: () => number;
}

/** Minimum interval between `last_used_ms` writes for one key: a write per request is waste. */
const TOUCH_EVERY_MS = 60_000;

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Authenticates every request under the routes it is mounted on: `Authorization: Bearer` and
 * `x-api-key` with one and the same policy, keys in the URL refused. The principal lands in
 * `res.locals.principal`. Failures are 401 `invalid_api_key` and never echo the key.
 */
export function requireAuth(opts: AuthOptions, scope: "inference" | "manage"): RequestHandler {
  const now = opts.now ?? Date.now;
  const touched = new Map<string, number>();
  /** Records the key's use; a full disk skips it (not marked touched: the next request tries). */
  const touch = (keyId: string, t: number) => {
    touched.set(keyId, t);
    try {
      opts.keys.touch(keyId);
    } catch (err) {
      if (!opts.storage?.fullError(err)) throw err;
      touched.delete(keyId);
      return;
    }
    opts.storage?.wrote();
  };
  return (req, res, next) => {
    const sources = {
      authorization: req.get("authorization"),
      xApiKey: req.get("x-api-key"),
      queryNames: Object.keys(req.query as object),
    };
    const t = now();
    // No credentials anywhere (a key in the URL is a credential, refused below).
    const noCredentials =
      sources.authorization === undefined &&
      sources.xApiKey === undefined &&
      !sources.queryNames.some((n) => QUERY_KEY_NAMES.has(n.toLowerCase()));
    if (
      noCredentials &&
      scope === "inference" &&
      opts.anonymousLoopback() &&
      opts.boundToLoopback() &&
      LOOPBACK.has(req.socket.remoteAddress ?? "")
    ) {
      const principal: CallerPrincipal = { memberId: opts.ownerId, role: "owner", keyId: null };
      res.locals.principal = principal;
      res.locals.anonymous = true;
      next();
      return;
    }
    const result = authenticate(sources, opts.keys, t);
    if (!result.ok) {
      next(
        new ApiError(
          401,
          "invalid_request_error",
          AUTH_FAILURE_MESSAGES[result.failure],
          "invalid_api_key",
          null,
          { "www-authenticate": 'Bearer realm="benchtop"' },
        ),
      );
      return;
    }
    const { memberId, role, keyId } = result.principal;
    if ((touched.get(keyId) ?? 0) + TOUCH_EVERY_MS <= t && !opts.storage?.full) touch(keyId, t);
    const principal: CallerPrincipal = { memberId, role, keyId };
    res.locals.principal = principal;
    next();
  };
}
