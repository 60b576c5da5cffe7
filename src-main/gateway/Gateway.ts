import type { Logger } from "pino";
import type { AuditHook } from "../audit/requestAudit.js";
import type { QueueShare } from "../engine/FairQueue.js";
import { modelRejection } from "../policy/admissionChecks.js";
import type { Admission, Endpoint, Ledger } from "../policy/ledger.js";
import type { Provider, ProviderModel } from "../providers/types.js";
import type { ClassifierKind, RouteTestDto } from "../contract/manage/routing.js";
import type { RouteDecision, Router } from "../routing/Router.js";
import { guardHeader, type Guard, type GuardedTarget } from "../guard/Guard.js";
import { AnswerRestorer } from "../guard/restoreAnswer.js";
import type { GuardRecord } from "../guard/types.js";
import { rejectionError } from "./admissionErrors.js";
import { ApiError, invalidRequest, modelNotFound, toApiError } from "./errors.js";
import { droppedFromAnthropic, droppedHeader } from "./dropped.js";
import { chatPromptBound, embeddingBound, textPromptBound } from "./promptBound.js";
import {
  compositePrice,
  movesOn,
  planTargets,
  routeHeader,
  routeRecord,
  type PlannedTarget,
} from "./routePlan.js";
import type {
  ChatRequest,
  EmbeddingRequest,
  GenerationEvent,
  RequestContext,
  Sampling,
  TextCompletionRequest,
} from "./types.js";

/**
 * The largest prompt `/v1/messages/count_tokens` counts: 4 MiB of text (about a million tokens,
 * the largest contexts). Counting is real work (on the engine host for local models, on a worker
 * thread for OpenAI-compatible pools); the request body limit alone can be set far higher.
 */
export const COUNT_TOKENS_MAX_BYTES = 4 * 1024 * 1024;

export interface GatewayOptions {
  providers: Provider[];
  ledger: Ledger;
  log: Logger;
  /** Aliases, categories and `auto` (absent: every request names its model directly). */
  router?: Router;
  /**
   * Secret redaction and PII policy before anything leaves the machine (guard/). Absent only
   * where a test or bench exercises other steps; the core always sets it.
   */
  guard?: Guard;
  /**
   * The audit record's model version, region and retention, and optional body retention
   * (absent: those columns stay NULL and no body is kept).
   */
  audit?: AuditHook;
}

/** `owned_by` of `auto` and the aliases in `/v1/models`. */
export const ROUTE_OWNER = "benchtop-route";

/** A decided route made concrete, ready to admit. */
interface Route {
  decision: RouteDecision;
  /** What the usage row records as requested (the forced id when `x-benchtop-model` is set). */
  model: string;
  targets: PlannedTarget[];
  /** Targets left out before any attempt (missing, or unable to take the request). */
  skipped: string[];
  /** Whether anything but the named model can serve it (an alias, `auto`, a forced target). */
  routed: boolean;
}

/** A route after the guard step: per target (same index), the request it is sent and its record. */
interface GuardedRoute<R> extends Route {
  guarded: GuardedTarget<R>[];
  /** False without a guard: the records are absent. */
  guardRan: boolean;
}

/**
 * The request pipeline every inference call goes through:
 *   route (aliases, `auto`: routing/) → admit (limits, reservation, usage row) → dispatch
 *   (a route's targets in order, the next on unavailable/busy/5xx) → settle.
 * Authentication happens at the HTTP edge (the principal arrives in the context). Errors leave
 * as `ApiError`s; a generation returns its event stream only once it has started, so failures
 * before the first token become proper HTTP errors rather than broken streams. Every admitted
 * request is settled or released exactly once, whichever way it ends.
 */
export class Gateway {
  constructor(private readonly opts: GatewayOptions) {}

  /**
   * Every model, pool, alias and `auto`, or with `memberId` only those the member may call
   * (allow-lists and allowed categories applied).
   */
  async listModels(memberId?: string): Promise<ProviderModel[]> {
    const lists = await Promise.all(this.opts.providers.map((p) => p.listModels()));
    const routed = ((await this.opts.router?.exposedIds()) ?? []).map((id): ProviderModel => ({
      id,
      created: 0,
      ownedBy: ROUTE_OWNER,
    }));
    let models = [...lists.flat(), ...routed].sort((a, b) => a.id.localeCompare(b.id));
    if (memberId !== undefined) models = models.filter((m) => this.mayUse(memberId, m.id));
    return models;
  }

  async getModel(id: string, memberId?: string): Promise<ProviderModel> {
    const model = (await this.listModels(memberId)).find((m) => m.id === id);
    if (!model) throw modelNotFound(id);
    return model;
  }

  private categoriesOf(id: string): string[] {
    return this.opts.router?.categoriesOf(id) ?? [];
  }

  private mayUse(memberId: string, id: string): boolean {
    const { ledger } = this.opts;
    return (
      modelRejection(
        id,
        ledger.memberLimits(memberId),
        ledger.orgLimits(),
        this.categoriesOf(id),
      ) === undefined
    );
  }

  /**
   * `endpoint` is what the usage row records: `messages` for the Anthropic-compatible API,
   * `responses` for OpenAI's Responses API.
   */
  chat(
    req: ChatRequest,
    ctx: RequestContext,
    endpoint: "chat.completions" | "messages" | "responses" = "chat.completions",
  ): Promise<StartedGeneration> {
    return this.startGeneration(
      endpoint,
      req,
      chatPromptBound(req),
      ctx,
      (p, r, c) => p.chat(r, c),
      (p) => p.refuse?.(req),
    );
  }

  /**
   * The prompt tokens of `req` exactly as its model counts them, without generating: routed and
   * authorized (allowed models) like a generation, and counted as a request against the member's
   * requests per minute and requests in flight (`Ledger.meterFreeRequest`), but nothing is
   * reserved, charged or recorded. Prompts above `COUNT_TOKENS_MAX_BYTES` are refused.
   */
  async countTokens(req: ChatRequest, ctx: RequestContext): Promise<number> {
    // An alias counts with its first target that can count; `auto` with its default target
    // (counting must not run the classifier).
    const requested = ctx.forcedModel ?? req.model;
    const targets = this.opts.router?.isRouted(requested)
      ? await this.opts.router.countingTargets(requested)
      : [requested];
    let model = targets[0] ?? requested;
    let provider = await this.route(model);
    const { ledger, guard } = this.opts;
    const memberId = ctx.principal.memberId;
    const denied = modelRejection(
      requested,
      ledger.memberLimits(memberId),
      ledger.orgLimits(),
      this.categoriesOf(requested),
    );
    if (denied) throw rejectionError(denied, requested, {});
    // Counting sends the prompt to a remote upstream too (Anthropic counts it there): the same
    // guard applies as to a generation, and `keep-local` counts with the local model.
    let counted = req;
    if (guard) {
      const [g] = guard.plan(req, {
        memberId,
        requested,
        targets: [{ model, local: provider.local === true }],
        restoreAsked: false,
      });
      counted = g!.request;
      if (g!.keptLocalFrom) ({ model, provider } = await this.keptLocal(g!.model));
    }
    if (!provider.countTokens)
      throw invalidRequest(
        `Counting tokens is not supported for the model '${req.model}'.`,
        "model",
        "unsupported_endpoint",
      );
    const bytes = chatPromptBound(req);
    if (bytes > COUNT_TOKENS_MAX_BYTES)
      throw invalidRequest(
        `count_tokens counts prompts of at most ${COUNT_TOKENS_MAX_BYTES} bytes of text; this one has about ${bytes}.`,
        "messages",
        "request_too_large",
      );
    const metered = ledger.meterFreeRequest(memberId);
    if (!metered.ok) throw rejectionError(metered.rejection, req.model, metered.headers);
    ctx.onAdmitted?.(metered.headers);
    try {
      return await provider.countTokens({ ...counted, model }, ctx);
    } catch (err) {
      throw toApiError(err, req.model);
    } finally {
      metered.done();
    }
  }

  complete(req: TextCompletionRequest, ctx: RequestContext): Promise<StartedGeneration> {
    return this.startGeneration("completions", req, textPromptBound(req), ctx, (p, r, c) =>
      p.complete(r, c),
    );
  }

  async embed(req: EmbeddingRequest, ctx: RequestContext) {
    // `auto` embeds with the embedding category's target; an alias tries its targets in order.
    const route = await this.guardRoute(
      await this.decide(req.model, [], ctx, "embedding"),
      req,
      ctx,
    );
    let admission = await this.admitRoute(route, "embeddings", false, ctx, {
      promptTokens: embeddingBound(req),
      completion: false,
    });
    const path = [...route.skipped];
    for (let i = 0; ; i++) {
      const target = route.targets[i]!;
      try {
        const result = await target.provider.embed(
          { ...route.guarded[i]!.request, model: target.model },
          { ...ctx, share: this.queueShare(ctx.principal.memberId) },
        );
        this.opts.ledger.settle(admission, {
          servedModel: target.model,
          provider: target.provider.id,
          promptTokens: result.promptTokens,
          completionTokens: 0,
          cachedTokens: 0,
          source: "engine",
          estimated: false,
          outcome: "ok",
          ...this.settledRoute(route, target, path),
          ...this.settledGuard(route, i),
          ...servedAudit(this.opts.audit, target.provider.id, target.model),
        });
        // Vectors are derived data (and large): a retained embedding keeps its input and shape.
        this.opts.audit?.retainBody({
          usageId: admission.usageId,
          requestId: ctx.requestId,
          memberId: ctx.principal.memberId,
          request: this.retained(route, i, req, ctx),
          response: {
            embeddings: result.vectors.length,
            dimensions: result.vectors[0]?.length ?? 0,
          },
        });
        return {
          ...result,
          headers: {
            ...admission.headers,
            ...this.routeHeaders(route, target),
            ...this.guardHeaders(route, i),
          },
        };
      } catch (err) {
        const apiErr = toApiError(err, target.model);
        if (this.nextTarget(route, i, apiErr, ctx)) {
          admission = this.opts.ledger.reattempt(admission, attemptFailure(target, apiErr));
          path.push(`${target.model}: ${apiErr.code ?? apiErr.type}`);
          continue;
        }
        this.opts.ledger.release(admission, apiErr.code ?? apiErr.type, apiErr.status);
        throw apiErr;
      }
    }
  }

  /**
   * The member's share of a local model's sequences, from their effective limits: weight and
   * priority band (equal and normal by default), and caps on sequences held and requests queued.
   */
  private queueShare(memberId: string): QueueShare {
    const limits = this.opts.ledger.memberLimits(memberId);
    return {
      memberId,
      weight: limits.gpu_weight ?? 1,
      priority: limits.gpu_priority ?? 0,
      maxSequences: limits.max_gpu_sequences,
      maxQueued: limits.max_queued,
    };
  }

  /** Picks the provider serving `model`. */
  private async route(model: string): Promise<Provider> {
    const provider = await this.providerOf(model);
    if (!provider) throw modelNotFound(model);
    return provider;
  }

  private async providerOf(model: string): Promise<Provider | undefined> {
    for (const p of this.opts.providers) if (await p.hasModel(model)) return p;
    return undefined;
  }

  /**
   * The route step: the model named (or forced with `x-benchtop-model`) must exist and be one
   * the caller may use (checked before `auto` spends anything classifying), then the router
   * decides the targets, and those that exist and can take the request are planned.
   */
  private async decide(
    model: string,
    messages: ChatRequest["messages"],
    ctx: RequestContext,
    purpose: "chat" | "embedding",
    refuse?: (p: Provider) => void,
    classifier?: ClassifierKind,
  ): Promise<Route> {
    const { router, ledger } = this.opts;
    const requested = ctx.forcedModel ?? model;
    // A model named directly is looked up once: planning reuses what was found here.
    const found = router?.isRouted(requested) ? undefined : await this.providerOf(requested);
    if (!router?.isRouted(requested) && !found) throw modelNotFound(requested);
    const member = ledger.memberLimits(ctx.principal.memberId);
    const denied = modelRejection(
      requested,
      member,
      ledger.orgLimits(),
      this.categoriesOf(requested),
    );
    if (denied) throw rejectionError(denied, requested, {});
    const decision: RouteDecision = router
      ? await router.route(model, messages, ctx, {
          ...(ctx.forcedModel !== undefined ? { forced: ctx.forcedModel } : {}),
          mayUse: (id) => this.mayUse(ctx.principal.memberId, id),
          purpose,
          ...(classifier ? { classifier } : {}),
        })
      : {
          requested: model,
          targets: [requested],
          category: null,
          classifier: null,
          reason: "direct",
          score: null,
          router: null,
        };
    const { targets, skipped } = await planTargets(
      decision,
      (m) => (m === requested && found ? Promise.resolve(found) : this.providerOf(m)),
      refuse,
    );
    const routed = !(
      targets.length === 1 &&
      targets[0]!.model === requested &&
      skipped.length === 0
    );
    return { decision, model: requested, targets, skipped, routed };
  }

  /**
   * The guard step: what each target of the route receives (secrets replaced for remote
   * targets, PII as the policy says) and records. A `keep-local` target is replaced by the
   * policy's local model; `block` and guard failures throw (guard/Guard.ts). Without a guard
   * (benches of other steps) every target gets the request as it is.
   */
  private async guardRoute<R extends object>(
    route: Route,
    req: R,
    ctx: RequestContext,
    refuse?: (p: Provider) => void,
  ): Promise<GuardedRoute<R>> {
    const { guard } = this.opts;
    if (!guard)
      return {
        ...route,
        guarded: route.targets.map((t) => ({
          model: t.model,
          local: t.provider.local === true,
          request: req,
          record: undefined as unknown as GuardRecord,
        })),
        guardRan: false,
      } as GuardedRoute<R>;
    const guarded = guard.plan(req, {
      memberId: ctx.principal.memberId,
      requested: route.model,
      targets: route.targets.map((t) => ({ model: t.model, local: t.provider.local === true })),
      restoreAsked: ctx.restorePlaceholders === true,
    });
    const targets: PlannedTarget[] = [];
    for (const g of guarded) {
      const planned = g.keptLocalFrom ? undefined : route.targets.find((t) => t.model === g.model);
      targets.push(planned ?? (await this.keptLocal(g.model, refuse)));
    }
    const keptLocal = guarded.some((g) => g.keptLocalFrom);
    return {
      ...route,
      targets,
      routed: route.routed || keptLocal,
      skipped: [
        ...route.skipped,
        ...guarded.flatMap((g) => (g.keptLocalFrom ?? []).map((m) => `${m}: kept_local`)),
      ],
      guarded,
      guardRan: true,
    };
  }

  /** The local model a `keep-local` policy names, which must exist and take the request. */
  private async keptLocal(model: string, refuse?: (p: Provider) => void): Promise<PlannedTarget> {
    const provider = await this.providerOf(model);
    if (!provider?.local)
      throw new ApiError(
        503,
        "server_error",
        `The guard policy keeps this request on the local model '${model}', which is not available.`,
        "keep_local_unavailable",
        "model",
        { "retry-after": "5" },
      );
    refuse?.(provider);
    return { model, provider };
  }

  /**
   * Admits a route and resolves once the admission is on disk: nothing is dispatched before
   * that. A routed request reserves at its dearest target and the largest context among them.
   */
  private async admitRoute(
    route: GuardedRoute<object>,
    endpoint: Endpoint,
    stream: boolean,
    ctx: RequestContext,
    size: { promptTokens: number; maxTokens?: number; completion: boolean },
  ): Promise<Admission> {
    const { ledger } = this.opts;
    const { targets, decision } = route;
    const result = await ledger.admitDurably({
      requestId: ctx.requestId,
      memberId: ctx.principal.memberId,
      keyId: ctx.principal.keyId,
      endpoint,
      model: route.model,
      stream,
      contextTokens: Math.max(...targets.map((t) => t.provider.contextTokens(t.model))),
      categories: this.categoriesOf(route.model),
      ...(route.routed
        ? {
            price: compositePrice(
              route.model,
              targets.map((t) => ledger.price(t.model)),
            ),
          }
        : {}),
      ...(decision.reason !== "direct"
        ? { route: routeRecord(decision, (m) => ledger.price(m)) }
        : {}),
      ...(route.guardRan ? { guard: route.guarded[0]!.record } : {}),
      ...(ctx.sessionKey !== undefined ? { sessionId: ctx.sessionKey } : {}),
      ...size,
    });
    if (!result.ok) throw rejectionError(result.rejection, route.model, result.headers);
    return result.admission;
  }

  /**
   * Where a request would go for `memberId`, and why: the route step alone (access, aliases,
   * classification), nothing admitted or generated beyond the classifier.
   */
  async explainRoute(q: {
    model: string;
    messages: ChatRequest["messages"];
    memberId: string;
    classifier?: ClassifierKind;
    signal: AbortSignal;
  }): Promise<RouteTestDto> {
    const ctx: RequestContext = {
      requestId: "route-test",
      principal: { memberId: q.memberId, role: "member", keyId: null },
      signal: q.signal,
      receivedAtMs: Date.now(),
    };
    const { decision, targets } = await this.decide(
      q.model,
      q.messages,
      ctx,
      "chat",
      undefined,
      q.classifier,
    );
    const r = decision.router;
    return {
      requested: decision.requested,
      category: decision.category,
      classifier: decision.classifier,
      reason: decision.reason,
      score: decision.score,
      targets: targets.map((t) => t.model),
      classifier_tokens: r ? r.promptTokens + r.completionTokens : 0,
    };
  }

  /** Whether the failure of target `i` moves the request on to target `i + 1`. */
  private nextTarget(route: Route, i: number, err: ApiError, ctx: RequestContext): boolean {
    return !ctx.signal.aborted && i + 1 < route.targets.length && movesOn(err);
  }

  /** What settlement records of a route: the served target's price and the path before it. */
  private settledRoute(route: Route, target: PlannedTarget, path: string[]) {
    return route.routed
      ? { price: this.opts.ledger.price(target.model), fallback: path.length ? path : null }
      : {};
  }

  private routeHeaders(route: Route, target: PlannedTarget): Record<string, string> {
    return route.decision.reason === "direct" ? {} : routeHeader(route.decision, target.model);
  }

  /** The guard record of target `i` for settlement (with what the answer got back). */
  private settledGuard(
    route: GuardedRoute<object>,
    i: number,
    change?: Partial<GuardRecord>,
  ): { guard?: GuardRecord } {
    return route.guardRan ? { guard: { ...route.guarded[i]!.record, ...change } } : {};
  }

  /**
   * What body retention stores of the request target `i` answered, as a function (called only
   * when a body is kept): the request as that target received it — placeholders in place of
   * secrets and redacted PII. A local target received it as written, so it is redacted here
   * (secrets always, PII as a redacting policy says) before it is stored. The client's own body
   * where there is one (OpenAI), else the neutral conversation or prompt.
   */
  private retained<R extends object>(
    route: GuardedRoute<R>,
    i: number,
    req: R,
    ctx: RequestContext,
  ): () => unknown {
    return () => {
      const g = route.guarded[i]!;
      const { guard } = this.opts;
      const sent =
        g.local && guard
          ? guard.redactForRetention(req, ctx.principal.memberId, g.model, route.model)
          : g.request;
      return storedView(sent);
    };
  }

  /** `x-benchtop-guard` for target `i`, when the guard found something or kept it local. */
  private guardHeaders(route: GuardedRoute<object>, i: number): Record<string, string> {
    const header = route.guardRan ? guardHeader(route.guarded[i]!.record) : undefined;
    return header ? { "x-benchtop-guard": header } : {};
  }

  private async startGeneration<R extends ChatRequest | TextCompletionRequest>(
    endpoint: Endpoint,
    req: R,
    promptBound: number,
    ctx: RequestContext,
    /** Starts `r` (the request a target receives, its model and sampling set) on `p`. */
    run: (p: Provider, r: R, ctx: RequestContext) => AsyncIterable<GenerationEvent>,
    /** Throws, before anything is admitted or recorded, what a target's provider cannot take. */
    refuse?: (p: Provider) => void,
  ): Promise<StartedGeneration> {
    const { model } = req;
    // Text completions have no turns: `auto` classifies their prompt as the user's ask.
    const messages =
      "messages" in req
        ? req.messages
        : [{ role: "user" as const, content: typeof req.prompt === "string" ? req.prompt : "" }];
    const route = await this.guardRoute(
      await this.decide(model, messages, ctx, "chat", refuse),
      req,
      ctx,
      refuse,
    );
    let admission = await this.admitRoute(route, endpoint, req.stream ?? false, ctx, {
      promptTokens: promptBound,
      ...(req.sampling.maxTokens !== undefined ? { maxTokens: req.sampling.maxTokens } : {}),
      completion: true,
    });
    const { ledger, log, audit } = this.opts;
    ctx.onAdmitted?.({
      ...admission.headers,
      ...this.routeHeaders(route, route.targets[0]!),
      ...this.guardHeaders(route, 0),
    });
    const sampling: Sampling =
      admission.maxTokensCap === undefined
        ? req.sampling
        : { ...req.sampling, maxTokensCap: admission.maxTokensCap };
    let iterator: AsyncIterator<GenerationEvent>;
    let first: IteratorResult<GenerationEvent>;
    // A route tries its targets in order until one starts; `path` records the ones that failed.
    const path = [...route.skipped];
    let target = route.targets[0]!;
    let served = 0;
    // Set while the attempt in flight went to a connection with KeyVault off (the pool asked
    // for the unredacted request): the usage row then says so.
    let vaultOff = false;
    for (let i = 0; ; i++) {
      target = route.targets[i]!;
      served = i;
      const guarded = route.guarded[i]!;
      const sent = { ...guarded.request, model: target.model, sampling } as R;
      const unvaulted = guarded.unvaulted;
      try {
        // A pool that fails over moves the request to its next attempt's usage row.
        const attemptCtx: RequestContext = {
          ...ctx,
          share: this.queueShare(ctx.principal.memberId),
          nextAttempt: (f) => {
            admission = ledger.reattempt(admission, f);
            vaultOff = false;
          },
          ...(unvaulted && "messages" in sent
            ? {
                withoutKeyVault: () => {
                  vaultOff = true;
                  return { ...(unvaulted() as ChatRequest), model: target.model, sampling };
                },
              }
            : {}),
        };
        iterator = run(target.provider, sent, attemptCtx)[Symbol.asyncIterator]();
        first = await iterator.next();
        if (first.done || first.value.type !== "started")
          throw new Error("generation ended before it started");
        break;
      } catch (err) {
        const apiErr = toApiError(err, target.model);
        if (this.nextTarget(route, i, apiErr, ctx)) {
          // Before the first byte: the next target takes over on a usage row of its own.
          admission = ledger.reattempt(admission, attemptFailure(target, apiErr));
          path.push(`${target.model}: ${apiErr.code ?? apiErr.type}`);
          log.info(
            { requestId: ctx.requestId, target: target.model, code: apiErr.code },
            "route target failed; trying the next",
          );
          continue;
        }
        // Nothing was generated: the reservation is released, not charged.
        if (ctx.signal.aborted)
          // The client left before its generation started (typically while waiting for a local
          // sequence): not a failure of ours. 499 is the usual "client closed request" status.
          ledger.release(admission, "client_disconnected", 499);
        else ledger.release(admission, apiErr.code ?? apiErr.type, apiErr.status);
        throw apiErr;
      }
    }
    const started = first.value;
    // What the target could not be given: a pool's adapter says; a local model takes the
    // neutral conversation, so an Anthropic request loses what that cannot carry.
    const dropped = droppedHeader(
      started.dropped ??
        (target.provider.local === true && "messages" in req
          ? droppedFromAnthropic(req as ChatRequest)
          : undefined),
    );
    // A later target answered: the response (not yet started) names that one instead.
    if (target !== route.targets[0] || dropped["x-benchtop-dropped"] !== undefined)
      ctx.onAdmitted?.({
        ...this.routeHeaders(route, target),
        ...this.guardHeaders(route, served),
        ...dropped,
      });
    const restoreMap = route.guarded[served]!.restore;
    const restorer = restoreMap ? new AnswerRestorer(restoreMap) : undefined;
    const retainedRequest = this.retained(route, served, req, ctx);
    const settledGuard = () =>
      this.settledGuard(route, served, {
        ...(vaultOff ? { secrets_action: "off" as const } : {}),
        restored: restorer?.restored ?? 0,
      });
    const base = {
      servedModel: target.model,
      provider: target.provider.id,
      ...this.settledRoute(route, target, path),
    };
    // Backstop: a response that ends without ever reading the events (an error between start
    // and streaming) must still settle and free the engine's sequence. Once the events are
    // being read, they settle (with the engine's own count, also after an abort).
    let consuming = false;
    let deltas = 0;
    let ttftMs: number | null = null;
    /**
     * Usage unknown (the engine died mid-stream, or the response broke): the prompt is known
     * exactly, the completion is estimated from the deltas streamed (one token each, plus the
     * one in progress) — flagged `estimated`, never $0.
     */
    const settleByEstimate = (err: ApiError | null, code = "client_disconnected") =>
      ledger.settle(admission, {
        ...base,
        promptTokens: started.promptTokens,
        completionTokens: Math.min(deltas + 1, admission.maxCompletionTokens),
        cachedTokens: started.cachedTokens,
        cacheWriteTokens: started.cacheWriteTokens ?? 0,
        source: "estimate",
        estimated: true,
        outcome: err ? "error" : "aborted",
        errorCode: err ? (err.code ?? err.type) : code,
        httpStatus: err?.status ?? null,
        ttftMs,
        ...settledGuard(),
        ...servedAudit(audit, base.provider, base.servedModel),
      });
    ctx.onClose?.(() => {
      if (admission.done || consuming) return;
      settleByEstimate(null, "response_closed");
      void iterator.return?.();
    });
    return {
      promptTokens: started.promptTokens,
      cachedTokens: started.cachedTokens,
      ...(started.cacheWriteTokens ? { cacheWriteTokens: started.cacheWriteTokens } : {}),
      headers: {
        ...admission.headers,
        ...this.routeHeaders(route, target),
        ...this.guardHeaders(route, served),
        ...dropped,
      },
      events: (async function* () {
        consuming = true;
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            const event = next.value;
            if (event.type === "started") continue;
            // With placeholders to restore, what is sent is worked out first (settlement
            // records how many went back).
            const out = restorer ? restorer.apply(event) : [event];
            // Tool-call and thinking pieces are output too (estimates and time to first token
            // count them).
            if (event.type === "delta" || event.type === "tool_call" || event.type === "thinking") {
              deltas++;
              ttftMs ??= Date.now() - ctx.receivedAtMs;
            } else if (event.type === "done") {
              const source = event.source ?? "engine";
              ledger.settle(admission, {
                ...base,
                ...(event.servedBy
                  ? { provider: event.servedBy.provider, servedModel: event.servedBy.model }
                  : {}),
                promptTokens: event.usage.promptTokens,
                completionTokens: event.usage.completionTokens,
                cachedTokens: event.usage.cachedTokens,
                cacheWriteTokens: event.usage.cacheWriteTokens ?? 0,
                source,
                estimated: source === "estimate",
                outcome: event.finishReason === "abort" ? "aborted" : "ok",
                ttftMs,
                ...settledGuard(),
                ...servedAudit(
                  audit,
                  event.servedBy?.provider ?? base.provider,
                  event.servedBy?.model ?? base.servedModel,
                  event.modelVersion,
                ),
              });
              // The request as dispatched and its whole answer (kept only where retention is on).
              audit?.retainBody({
                usageId: admission.usageId,
                requestId: ctx.requestId,
                memberId: ctx.principal.memberId,
                request: retainedRequest,
                response: {
                  text: event.text,
                  ...(event.toolCalls ? { tool_calls: event.toolCalls } : {}),
                  finish_reason: event.finishReason,
                },
              });
            }
            for (const e of out) yield e;
          }
        } catch (err) {
          const apiErr = toApiError(err, target.model);
          settleByEstimate(apiErr);
          if (apiErr.status >= 500)
            log.warn({ requestId: ctx.requestId, code: apiErr.code }, "generation failed");
          throw apiErr;
        } finally {
          // The consumer stopped early (the response broke): charge what was streamed.
          if (!admission.done) settleByEstimate(null);
          await iterator.return?.();
        }
      })(),
    };
  }
}

/** Settlement's audit fields from the hook (none without one). */
function servedAudit(
  audit: AuditHook | undefined,
  provider: string,
  servedModel: string,
  upstreamVersion?: string,
) {
  return audit ? { audit: audit.served(provider, servedModel, upstreamVersion) } : {};
}

/** The parts of an internal request worth storing: the client's shape, without duplicates. */
function storedView(req: object): unknown {
  const r = req as Partial<ChatRequest & TextCompletionRequest & EmbeddingRequest>;
  if (r.body) return r.body;
  if (r.anthropicBody) return r.anthropicBody;
  if (r.conversation) return { model: r.model, conversation: r.conversation };
  if (r.messages) return { model: r.model, messages: r.messages };
  if (r.prompt !== undefined) return { model: r.model, prompt: r.prompt };
  if (r.inputs) return { model: r.model, input: r.inputs };
  return req;
}

/** The usage row of a target that failed before producing anything. */
function attemptFailure(target: PlannedTarget, err: ApiError) {
  return {
    provider: target.provider.id,
    servedModel: target.model,
    errorCode: err.code ?? err.type,
    httpStatus: err.status,
  };
}

/** A generation that has been admitted and tokenised; `events` yields deltas and one `done`. */
export interface StartedGeneration {
  promptTokens: number;
  cachedTokens: number;
  /** Prompt tokens the upstream wrote to its cache (absent: 0). */
  cacheWriteTokens?: number;
  /** `x-ratelimit-*` and `x-benchtop-*` headers to send with the response. */
  headers: Record<string, string>;
  events: AsyncGenerator<Exclude<GenerationEvent, { type: "started" }>>;
}
