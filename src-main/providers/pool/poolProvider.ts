import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { ApiError, invalidRequest } from "../../gateway/errors.js";
import type { ChatRequest, GenerationEvent, RequestContext } from "../../gateway/types.js";
import {
  backoffMs,
  classifyFailure,
  type FailureAction,
  type UpstreamFailure,
} from "../../pools/errorClass.js";
import { TargetHealth } from "../../pools/health.js";
import { order, type Candidate } from "../../pools/strategies.js";
import type { SecretCipher } from "../../platform/types.js";
import type { ConnectionsRepo } from "../../store/connectionsRepo.js";
import type { Pool, PoolsRepo } from "../../store/poolsRepo.js";
import {
  OpenAiCompatibleAdapter,
  UpstreamError,
  type UpstreamCall,
} from "../openaiCompatible/adapter.js";
import { AnthropicAdapter } from "../anthropic/adapter.js";
import { testConnection, type TestCall } from "../connectionTest.js";
import { connectionScrub, openHeaders } from "../connectionSecrets.js";
import type { Provider } from "../types.js";

export interface PoolProviderDeps {
  pools: PoolsRepo;
  connections: ConnectionsRepo;
  cipher: SecretCipher;
  log: Logger;
  /** Called when a provider key is disabled (401/403) or exhausted (quota), for alerts. */
  onKeyProblem?: (e: {
    connectionId: string;
    keyId: string;
    status: "disabled" | "exhausted";
    reason: string;
  }) => void;
  now?: () => number;
  random?: () => number;
  /** The active probe's check of one key: lists the upstream's models (testConnection). */
  probe?: (
    call: TestCall,
  ) => Promise<{ ok: boolean; latencyMs: number; failure?: UpstreamFailure }>;
}

/**
 * Reservations of pooled requests without max_tokens assume this many tokens of context:
 * remote models' windows vary and are not advertised, so the bound is generous. Defaults to
 * 131,072. A member's max_tokens limit lowers it.
 */
const POOL_CONTEXT_TOKENS = 131_072;

/** One way to serve a pool: a connection key and the upstream model id. */
interface Target {
  id: string;
  call: Omit<UpstreamCall, "apiKey" | "headers"> & { secret: Buffer };
  /**
   * The key and the connection's headers decrypted on first use and kept while the target is
   * cached (until the pools or connections change): decrypting per request cost a cipher setup
   * each time.
   */
  plain?: { apiKey: string; headers: Record<string, string> };
  priority: number;
  weight: number;
}

/**
 * Remote pools as a provider: each pool is a model id served by several connection keys.
 * A request tries the available targets in the pool's strategy order; a failure before the
 * first byte is classified (never by message) and the next target tried — each attempt on its
 * own usage row — up to the pool's max attempts; after the first byte, an error ends the
 * stream. Health (circuit breaker, rest after 429, disabled and exhausted keys, latency, in
 * flight) lives in memory per target; key problems are also written to the connection's key.
 */
export function poolProvider(deps: PoolProviderDeps): Provider & {
  health(): Record<string, ReturnType<TargetHealth["snapshot"]>>;
  /** A pool by model id, from the same cache routing uses (no query per request). */
  pool(id: string): Pool | undefined;
  /**
   * The active probe: every target whose circuit has turned half-open is checked once with a
   * model listing (free on every provider) instead of risking a member's request on it. Returns
   * how many targets were probed. Idle targets and healthy ones are never called.
   */
  probeDue(): Promise<number>;
} {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const openai = new OpenAiCompatibleAdapter();
  const anthropic = new AnthropicAdapter();
  // One adapter per protocol family; every other kind speaks OpenAI's protocol.
  const adapterFor = (kind: string) => (kind === "anthropic" ? anthropic : openai);
  const health = new Map<string, TargetHealth>();
  const cursors = new Map<string, { cursor: number }>();
  const healthOf = (id: string) => {
    let h = health.get(id);
    if (!h) health.set(id, (h = new TargetHealth()));
    return h;
  };

  // Pools and their targets are read from the database once per change, not per request: the
  // repositories' versions move on every write (they are the only writers), which drops these.
  let cachedAt = "";
  const poolCache = new Map<string, Pool | null>();
  const targetCache = new Map<string, Target[]>();
  const fresh = () => {
    const version = `${deps.pools.version}/${deps.connections.version}`;
    if (version === cachedAt) return;
    cachedAt = version;
    poolCache.clear();
    targetCache.clear();
  };
  function poolOf(id: string): Pool | undefined {
    fresh();
    let p = poolCache.get(id);
    if (p === undefined) poolCache.set(id, (p = deps.pools.get(id) ?? null));
    return p ?? undefined;
  }
  function targets(pool: Pool): Target[] {
    fresh();
    let t = targetCache.get(pool.id);
    if (!t) targetCache.set(pool.id, (t = readTargets(pool)));
    return t;
  }

  function readTargets(pool: Pool): Target[] {
    const out: Target[] = [];
    for (const t of pool.targets) {
      const connection = deps.connections.get(t.connectionId);
      if (!connection) continue;
      // One scrubber per connection: every key of it, whichever one a request used.
      const scrub = connectionScrub(deps.connections, deps.cipher, connection);
      for (const key of deps.connections.keys(connection.id)) {
        if (key.status !== "active") continue;
        const id = `${connection.id}/${key.id}/${t.upstreamModel}`;
        // The database is the truth for keys: one an admin re-enabled is usable again here.
        healthOf(id).enable();
        out.push({
          id,
          call: {
            connection,
            keyId: key.id,
            upstreamModel: t.upstreamModel,
            secret: key.secret,
            scrub,
          },
          priority: t.priority,
          weight: t.weight,
        });
      }
    }
    return out;
  }

  /**
   * Writes a key's new status. The target's health in memory already acts on it, so a write the
   * database refuses (a full disk) must not fail the request or its failover: it is logged, and
   * the key's next refusal writes it again.
   */
  function recordKeyStatus(keyId: string, status: "disabled" | "exhausted", reason: string) {
    try {
      deps.connections.setKeyStatus(keyId, status, reason);
    } catch (err) {
      deps.log.warn({ err, keyId, status }, "could not record the key's status");
    }
  }

  /** The target's call with its key and headers decrypted (once per cached target). */
  function callOf(target: Target): UpstreamCall {
    const { secret, ...call } = target.call;
    target.plain ??= {
      apiKey: deps.cipher.decrypt(secret),
      headers: openHeaders(call.connection, deps.cipher),
    };
    return { ...call, ...target.plain };
  }

  function apply(target: Target, action: FailureAction, t: number): void {
    const h = healthOf(target.id);
    const { connection, keyId } = target.call;
    switch (action.action) {
      case "disable_key":
        h.end(t);
        h.disable("the upstream refused the key (401/403)");
        recordKeyStatus(keyId, "disabled", "the upstream refused the key (401/403)");
        deps.onKeyProblem?.({
          connectionId: connection.id,
          keyId,
          status: "disabled",
          reason: "refused by the upstream",
        });
        return;
      case "rest_key":
        h.end(t);
        h.rest(t + action.restMs);
        return;
      case "exhaust_key":
        h.end(t);
        h.exhaust();
        recordKeyStatus(keyId, "exhausted", "quota or spend limit reached");
        deps.onKeyProblem?.({
          connectionId: connection.id,
          keyId,
          status: "exhausted",
          reason: "quota reached",
        });
        return;
      case "cool_down":
        h.fail(t);
        return;
      case "return_to_caller":
        h.end(t);
    }
  }

  const probe = deps.probe ?? testConnection;
  async function probeDue(): Promise<number> {
    const due = new Map<string, Target>();
    for (const pool of deps.pools.list())
      for (const target of targets(pool)) {
        const h = healthOf(target.id);
        if (h.state(now()) === "half_open" && h.available(now())) due.set(target.id, target);
      }
    await Promise.all(
      [...due.values()].map(async (target) => {
        const h = healthOf(target.id);
        h.begin(now());
        try {
          const r = await probe(callOf(target));
          if (r.ok) h.succeed(now(), r.latencyMs);
          else
            apply(
              target,
              classifyFailure(r.failure ?? { kind: "malformed", afterFirstByte: false }),
              now(),
            );
          deps.log.info({ target: target.id, ok: r.ok }, "active probe of a cooled-down target");
        } catch (err) {
          h.fail(now());
          deps.log.warn({ target: target.id, err }, "active probe failed to run");
        }
      }),
    );
    return due.size;
  }

  async function* chat(req: ChatRequest, ctx: RequestContext): AsyncGenerator<GenerationEvent> {
    const pool = poolOf(req.model);
    if (!pool) throw invalidRequest(`Unknown pool '${req.model}'.`, "model", "model_not_found");
    const all = targets(pool);
    const tried = new Set<string>();
    let lastError: UpstreamError | undefined;
    for (let attempt = 0; attempt < pool.maxAttempts; attempt++) {
      const t0 = now();
      const available = all.filter((x) => !tried.has(x.id) && healthOf(x.id).available(t0));
      const candidates: Candidate[] = available.map((x) => ({
        id: x.id,
        priority: x.priority,
        weight: x.weight,
        inFlight: healthOf(x.id).inFlight,
        latencyMs: healthOf(x.id).latencyMs,
      }));
      let cursor = cursors.get(pool.id);
      if (!cursor) cursors.set(pool.id, (cursor = { cursor: 0 }));
      const pick = order(pool.strategy, candidates, cursor, random)[0];
      if (!pick) break;
      const target = available.find((x) => x.id === pick.id)!;
      tried.add(target.id);
      const h = healthOf(target.id);
      h.begin(t0);
      let firstByte = false;
      try {
        const call = callOf(target);
        // KeyVault is on per connection unless its owner turned it off: only then does the
        // request go out without secret redaction (the gateway's guard prepared both).
        const sent =
          !call.connection.redactSecrets && ctx.withoutKeyVault ? ctx.withoutKeyVault() : req;
        const events = adapterFor(call.connection.kind).chat(call, sent, ctx.signal);
        for await (const event of events) {
          // Once anything is yielded the gateway answers the client: no failover after that.
          firstByte = true;
          yield event;
        }
        h.succeed(now(), now() - t0);
        return;
      } catch (err) {
        if (!(err instanceof UpstreamError)) {
          h.end(now());
          throw err;
        }
        const action = classifyFailure({
          ...err.failure,
          afterFirstByte: firstByte || err.failure.afterFirstByte,
        });
        apply(target, action, now());
        deps.log.warn(
          { pool: pool.id, target: target.id, failure: err.failure, action: action.action },
          "upstream attempt failed",
        );
        if (!action.retryNext) throw upstreamApiError(err, action);
        lastError = err;
        if (attempt + 1 < pool.maxAttempts) {
          ctx.nextAttempt?.({
            provider: target.call.connection.id,
            servedModel: target.call.upstreamModel,
            errorCode: err.failure.code ?? err.failure.type ?? err.failure.kind ?? "upstream_error",
            httpStatus: err.failure.status ?? null,
            // The request reached this connection: its audit row keeps what it declared.
            region: target.call.connection.region,
            retention: target.call.connection.retention,
          });
          if (action.action === "cool_down") await sleep(backoffMs(attempt, random));
        }
      }
    }
    throw new ApiError(
      503,
      "server_error",
      lastError
        ? `No upstream of '${pool.id}' could answer: ${lastError.message}`
        : `No upstream of '${pool.id}' is available right now (keys disabled, resting or cooling down).`,
      "upstream_unavailable",
      null,
      { "retry-after": "5" },
    );
  }

  /**
   * Prompt tokens of `req` from the pool's first available target (strategy order, no failover,
   * nothing recorded): an Anthropic upstream counts them itself (`messages.countTokens`);
   * OpenAI-compatible APIs have no counting endpoint, so gpt-tokenizer counts them here.
   */
  async function countTokens(req: ChatRequest, ctx: RequestContext): Promise<number> {
    const pool = poolOf(req.model);
    if (!pool) throw invalidRequest(`Unknown pool '${req.model}'.`, "model", "model_not_found");
    const t0 = now();
    const available = targets(pool).filter((x) => healthOf(x.id).available(t0));
    const candidates: Candidate[] = available.map((x) => ({
      id: x.id,
      priority: x.priority,
      weight: x.weight,
      inFlight: healthOf(x.id).inFlight,
      latencyMs: healthOf(x.id).latencyMs,
    }));
    // A cursor of its own: counting does not move the pool's round-robin turn.
    const pick = order(pool.strategy, candidates, { cursor: 0 }, random)[0];
    const target = available.find((x) => x.id === pick?.id);
    if (!target)
      throw new ApiError(
        503,
        "server_error",
        `No upstream of '${pool.id}' is available right now.`,
        "upstream_unavailable",
        null,
        { "retry-after": "5" },
      );
    try {
      if (target.call.connection.kind !== "anthropic")
        return await openai.countTokens(target.call, req);
      return await anthropic.countTokens(callOf(target), req, ctx.signal);
    } catch (err) {
      if (err instanceof UpstreamError) throw upstreamApiError(err, classifyFailure(err.failure));
      throw err;
    }
  }

  return {
    id: "pools",
    async listModels() {
      return deps.pools.list().map((p) => {
        const first = p.targets[0] && deps.connections.get(p.targets[0].connectionId);
        return {
          id: p.id,
          created: Math.floor(p.createdMs / 1000),
          ownedBy: first ? first.kind : "remote",
        };
      });
    },
    hasModel: (model) => Promise.resolve(poolOf(model) !== undefined),
    contextTokens: () => POOL_CONTEXT_TOKENS,
    chat,
    countTokens,
    complete() {
      throw invalidRequest(
        "Text completions are not available from remote pools; use /v1/chat/completions.",
        "model",
        "unsupported_model",
      );
    },
    embed() {
      return Promise.reject(
        invalidRequest(
          "Embeddings are not available from remote pools yet.",
          "model",
          "unsupported_model",
        ),
      );
    },
    pool: poolOf,
    probeDue,
    health() {
      const t = now();
      return Object.fromEntries([...health].map(([id, h]) => [id, h.snapshot(t)]));
    },
  };
}

/** The caller's view of a failure that is not retried: the upstream's status class, our shape. */
function upstreamApiError(err: UpstreamError, action: FailureAction): ApiError {
  const status = err.failure.status;
  if (action.action === "return_to_caller" && status !== undefined)
    return new ApiError(
      status,
      "invalid_request_error",
      err.message,
      err.failure.code ?? "upstream_rejected",
    );
  return new ApiError(502, "server_error", `The upstream failed: ${err.message}`, "upstream_error");
}
