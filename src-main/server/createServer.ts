import { setMaxListeners } from "node:events";
import fs from "node:fs";
import path from "node:path";
import express from "express";
import type { Logger } from "pino";
import type { Gateway } from "../gateway/Gateway.js";
import { ApiError } from "../gateway/errors.js";
import type { StorageHealth } from "../store/storageHealth.js";
import { requireAuth, type AuthOptions } from "./auth.js";
import { ClientTracker, type ClientSnapshot } from "./clientTracker.js";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "./connectionGuard.js";
import { errorHandler, sendError } from "./errors.js";
import { hostCheck, type HostPolicy } from "./hostCheck.js";
import { Listeners, type Bound } from "./listeners.js";
import { newRequestId, requestContext } from "./requestContext.js";
import { chatCompletions, type RouteDeps } from "./routes/chatCompletions.js";
import { completions } from "./routes/completions.js";
import { embeddings } from "./routes/embeddings.js";
import { refuseDeepBodies } from "./bodyDepth.js";
import { decodeBody } from "./bodyDecoding.js";
import { countTokens, messages } from "./routes/messages.js";
import { getModel, listModels } from "./routes/models.js";
import { createResponse, deleteResponse, getResponse } from "./responses/routes.js";
import type { ResponseStore } from "./responses/responseStore.js";
import { securityHeaders, uiContentSecurityPolicy } from "./securityHeaders.js";
import { bodyDeadline, closeWhenAnsweredEarly, stopAfterBodyDeadline } from "./slowClients.js";

export interface ServerOptions {
  gateway: Gateway;
  auth: AuthOptions;
  /** Host/Origin allow-list (DNS-rebinding defence) and CORS origins. */
  hosts: HostPolicy;
  /** The management API, mounted at `/manage/v1` behind the same authentication. */
  manage?: express.Router;
  /** Unauthenticated, static documents (e.g. `/openapi.json`), path → body. */
  documents?: Record<string, () => object>;
  log: Logger;
  /** The most bytes a request body may have, after decompression when it was sent compressed. */
  bodyLimitBytes: number;
  /** The most bytes a compressed body may have on the wire. Defaults to `bodyLimitBytes`. */
  compressedBodyLimitBytes?: number;
  sseHeartbeatS: number;
  /** Body of `GET /health` (no auth): liveness and coarse engine state, nothing private. */
  health: () => object;
  /** Milliseconds `close()` lets in-flight requests finish before cutting them. Defaults to `10000`. */
  shutdownGraceMs?: number;
  /**
   * The built renderer (`dist/renderer`), served at `/` so the desktop window and any browser
   * load the UI from the API's own origin (no CORS). Skipped when the folder does not exist.
   */
  rendererDir?: string;
  /**
   * The owner paused the API: `/v1` answers `503 server_paused` (after authentication) while
   * management stays up. Read on every request. Defaults to never paused.
   */
  apiPaused?: () => boolean;
  /** Timeouts and the per-address connection cap (`config.server`). Defaults to config's defaults. */
  limits?: ConnectionLimits;
  /** Whether the database's disk takes writes: a write it refused on any route is a 503. */
  storage?: StorageHealth;
  /**
   * Stored Responses API responses. Absent: `POST /v1/responses` takes only `store: false` and
   * nothing can be retrieved.
   */
  responses?: ResponseStore;
}

export interface BenchtopServer {
  readonly app: express.Express;
  listen(host: string, port: number): Promise<Bound>;
  /**
   * Moves the API to another address without a restart: the new listener is bound before the
   * old one stops accepting, and requests in flight on the old one finish. Rejects with the
   * listen error (`EADDRINUSE`, `EACCES`…) and keeps the old listener.
   */
  rebind(host: string, port: number): Promise<Bound>;
  /** Where it listens now (undefined before `listen` and after `close`). */
  readonly bound: Bound | undefined;
  /** Open connections and requests in flight right now. */
  clients(): ClientSnapshot;
  close(): Promise<void>;
}

/** `/assets/x.js.map`, however its letters or dots are percent-encoded (`x.js%2eMAP`). */
function isSourceMapPath(rawPath: string): boolean {
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // Undecodable: serve-static refuses it (400 → falls through to the app's page).
  }
  return /\.map\/*$/i.test(decoded);
}

/** The HTTP surface: routing, parsing, rendering. No business rules live here. */
export function createServer(opts: ServerOptions): BenchtopServer {
  const { log } = opts;
  const shutdown = new AbortController();
  // Every request in flight listens on it (to stop its generation at shutdown): no limit applies.
  setMaxListeners(0, shutdown.signal);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const tracker = new ClientTracker();
  const limits = opts.limits ?? DEFAULT_CONNECTION_LIMITS;
  app.use(tracker.trackRequests);
  app.use(securityHeaders);
  app.use(closeWhenAnsweredEarly);

  app.use((req, res, next) => {
    (req as express.Request & { receivedAtMs?: number }).receivedAtMs = Date.now();
    res.setHeader("x-request-id", newRequestId());
    next();
  });
  let closing = false;
  app.use((_req, res, next) => {
    if (!closing) return next();
    // Shutting down: keep-alive clients must not slip new requests in while in-flight ones finish.
    res.setHeader("connection", "close");
    sendError(
      res,
      new ApiError(503, "server_error", "The server is shutting down.", "shutting_down", null, {
        "retry-after": "5",
      }),
    );
  });
  app.use(hostCheck(opts.hosts));
  // Every API route is authenticated before its body is even parsed; an unknown /v1 or /manage
  // URL is a 401 before a 404, so probing reveals nothing without a key.
  app.use("/v1", requireAuth(opts.auth, "inference"));
  app.use("/manage", requireAuth(opts.auth, "manage"));
  app.use(["/v1", "/manage"], tracker.tagAuthenticated);
  app.use("/v1", (_req, _res, next) => {
    if (!opts.apiPaused?.()) return next();
    // Retrying cannot help until the owner turns the API back on.
    next(
      new ApiError(
        503,
        "server_error",
        "The owner has paused this server's API. Try again later.",
        "server_paused",
        null,
        { "x-should-retry": "false" },
      ),
    );
  });
  // Only authenticated API requests have their bodies read, and only for `bodyTimeoutMs`. Parse
  // every body as JSON whatever its content type: `curl -d` sends form encoding by default, and
  // a body that is not JSON gets a clear 400 either way. Other paths never read a body.
  app.use(["/v1", "/manage"], bodyDeadline(limits.bodyTimeoutMs));
  // A compressed body (gzip, deflate, br, zstd: Codex sends zstd) is decoded here, its limit
  // applied to the decoded bytes; the JSON parser then reads only bodies sent without a coding.
  app.use(
    ["/v1", "/manage"],
    decodeBody({
      limitBytes: opts.bodyLimitBytes,
      wireLimitBytes: opts.compressedBodyLimitBytes,
    }),
  );
  const json = express.json({ limit: opts.bodyLimitBytes, type: () => true, strict: false });
  app.use(["/v1", "/manage"], (req, res, next) =>
    res.locals.bodyDecoded === true ? next() : json(req, res, next),
  );
  app.use(stopAfterBodyDeadline);
  app.use((req, _res, next) => {
    if (req.method === "POST" && req.path.startsWith("/v1/") && req.body === undefined) {
      next(
        new ApiError(
          400,
          "invalid_request_error",
          "A JSON request body is required.",
          "missing_body",
        ),
      );
      return;
    }
    next();
  });
  app.use(refuseDeepBodies);

  const deps: RouteDeps = {
    gateway: opts.gateway,
    context: (req, res) => requestContext(req, res, shutdown.signal),
    sseHeartbeatS: opts.sseHeartbeatS,
  };
  app.get("/health", (_req, res) => {
    res.json(opts.health());
  });
  for (const [docPath, body] of Object.entries(opts.documents ?? {}))
    app.get(docPath, (_req, res) => res.json(body()));
  if (opts.manage) app.use("/manage/v1", opts.manage);
  app.get("/v1/models", listModels(opts.gateway));
  app.get("/v1/models/*id", getModel(opts.gateway));
  app.post("/v1/chat/completions", chatCompletions(deps));
  app.post("/v1/completions", completions(deps));
  app.post("/v1/embeddings", embeddings(deps));
  // Anthropic-compatible; errors under /v1/messages take Anthropic's shape (see sendError).
  app.post("/v1/messages", messages(deps));
  app.post("/v1/messages/count_tokens", countTokens(deps));
  // OpenAI's Responses API (Codex CLI speaks only this one).
  const responsesDeps = { ...deps, ...(opts.responses ? { store: opts.responses } : {}) };
  app.post("/v1/responses", createResponse(responsesDeps));
  app.get("/v1/responses/:id", getResponse(responsesDeps));
  app.delete("/v1/responses/:id", deleteResponse(responsesDeps));

  if (opts.rendererDir && fs.existsSync(path.join(opts.rendererDir, "index.html"))) {
    const index = path.join(opts.rendererDir, "index.html");
    const policy = uiContentSecurityPolicy(fs.readFileSync(index, "utf8"));
    // The page: its CSP as a header (frame-ancestors works only there), revalidated on every
    // load so a new version's hashed assets are picked up.
    const pageHeaders = (res: express.Response) => {
      res.setHeader("content-security-policy", policy);
      res.setHeader("cache-control", "no-cache");
    };
    const assets = express.static(opts.rendererDir, {
      index: false,
      maxAge: "1h",
      setHeaders: (res, file) => {
        if (file.endsWith(".html")) pageHeaders(res);
      },
    });
    app.use((req, res, next) => {
      // Source maps are never served, even when a build left one behind.
      if (isSourceMapPath(req.path)) return next();
      // Hashed assets may be cached: serve-static sets its own Cache-Control where none is set.
      res.removeHeader("cache-control");
      assets(req, res, (err?: unknown) => {
        res.setHeader("cache-control", "no-store");
        next(err);
      });
    });
    // Client-side routes (/members, /usage…) get the app; API paths keep their JSON 404s.
    app.get(/^\/(?!v1\/|v1$|manage\/|health$).*/, (req, res, next) => {
      if (isSourceMapPath(req.path)) return next();
      pageHeaders(res);
      res.sendFile(index);
    });
  }

  app.use((req, res) => {
    sendError(
      res,
      new ApiError(
        404,
        "invalid_request_error",
        `Unknown request URL: ${req.method} ${req.path}.`,
        "unknown_url",
      ),
    );
  });
  app.use(errorHandler(log, opts.storage));

  const listeners = new Listeners(app, tracker, limits);
  return {
    app,
    listen: (host, port) => listeners.listen(host, port),
    rebind: (host, port) => listeners.rebind(host, port),
    get bound() {
      return listeners.bound;
    },
    clients: () => tracker.snapshot(),
    async close() {
      closing = true;
      await listeners.close(opts.shutdownGraceMs ?? 10_000, () => shutdown.abort());
    },
  };
}
