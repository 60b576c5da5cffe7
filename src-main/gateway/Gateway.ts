import type { Logger } from "pino";
import type { QueueShare } from "../engine/FairQueue.js";
import { modelRejection } from "../policy/admissionChecks.js";
import type { Admission, Endpoint, Ledger } from "../policy/ledger.js";
import type { Provider, ProviderModel } from "../providers/types.js";
import { rejectionError } from "./admissionErrors.js";
import { invalidRequest, modelNotFound, toApiError, type ApiError } from "./errors.js";
import { chatPromptBound, embeddingBound, textPromptBound } from "./promptBound.js";
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
}

/**
 * The request pipeline every inference call goes through:
 *   route → admit (limits, reservation, usage row) → dispatch → settle.
 * Authentication happens at the HTTP edge (the principal arrives in the context). Errors leave
 * as `ApiError`s; a generation returns its event stream only once it has started, so failures
 * before the first token become proper HTTP errors rather than broken streams. Every admitted
 * request is settled or released exactly once, whichever way it ends.
 */
export class Gateway {
  constructor(private readonly opts: GatewayOptions) {}

  /** Every model, or with `memberId` only those the member may call (allow-lists applied). */
  async listModels(memberId?: string): Promise<ProviderModel[]> {
    const lists = await Promise.all(this.opts.providers.map((p) => p.listModels()));
    let models = lists.flat().sort((a, b) => a.id.localeCompare(b.id));
    if (memberId !== undefined) {
      const allowed = [
        this.opts.ledger.memberLimits(memberId).allowed_models,
        this.opts.ledger.orgLimits().allowed_models,
      ];
      models = models.filter((m) => allowed.every((list) => list === null || list.includes(m.id)));
    }
    return models;
  }

  async getModel(id: string, memberId?: string): Promise<ProviderModel> {
    const model = (await this.listModels(memberId)).find((m) => m.id === id);
    if (!model) throw modelNotFound(id);
    return model;
  }

  /** `endpoint` is what the usage row records: `messages` for the Anthropic-compatible API. */
  chat(
    req: ChatRequest,
    ctx: RequestContext,
    endpoint: "chat.completions" | "messages" = "chat.completions",
  ): Promise<StartedGeneration> {
    return this.startGeneration(
      endpoint,
      req,
      chatPromptBound(req),
      ctx,
      (p, s, c) => p.chat({ ...req, sampling: s }, c),
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
    const provider = await this.route(req.model);
    const { ledger } = this.opts;
    const memberId = ctx.principal.memberId;
    const denied = modelRejection(req.model, ledger.memberLimits(memberId), ledger.orgLimits());
    if (denied) throw rejectionError(denied, req.model, {});
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
      return await provider.countTokens(req, ctx);
    } catch (err) {
      throw toApiError(err, req.model);
    } finally {
      metered.done();
    }
  }

  complete(req: TextCompletionRequest, ctx: RequestContext): Promise<StartedGeneration> {
    return this.startGeneration("completions", req, textPromptBound(req), ctx, (p, s, c) =>
      p.complete({ ...req, sampling: s }, c),
    );
  }

  async embed(req: EmbeddingRequest, ctx: RequestContext) {
    const provider = await this.route(req.model);
    const admission = await this.admit(provider, "embeddings", req.model, false, ctx, {
      promptTokens: embeddingBound(req),
      completion: false,
    });
    try {
      const result = await provider.embed(req, {
        ...ctx,
        share: this.queueShare(ctx.principal.memberId),
      });
      this.opts.ledger.settle(admission, {
        servedModel: req.model,
        provider: provider.id,
        promptTokens: result.promptTokens,
        completionTokens: 0,
        cachedTokens: 0,
        source: "engine",
        estimated: false,
        outcome: "ok",
      });
      return { ...result, headers: admission.headers };
    } catch (err) {
      const apiErr = toApiError(err, req.model);
      this.opts.ledger.release(admission, apiErr.code ?? apiErr.type, apiErr.status);
      throw apiErr;
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
    for (const p of this.opts.providers) if (await p.hasModel(model)) return p;
    throw modelNotFound(model);
  }

  /** Admits and resolves once the admission is on disk: nothing is dispatched before that. */
  private async admit(
    provider: Provider,
    endpoint: Endpoint,
    model: string,
    stream: boolean,
    ctx: RequestContext,
    size: { promptTokens: number; maxTokens?: number; completion: boolean },
  ): Promise<Admission> {
    const result = await this.opts.ledger.admitDurably({
      requestId: ctx.requestId,
      memberId: ctx.principal.memberId,
      keyId: ctx.principal.keyId,
      endpoint,
      model,
      stream,
      contextTokens: provider.contextTokens(model),
      ...size,
    });
    if (!result.ok) throw rejectionError(result.rejection, model, result.headers);
    return result.admission;
  }

  private async startGeneration(
    endpoint: Endpoint,
    req: ChatRequest | TextCompletionRequest,
    promptBound: number,
    ctx: RequestContext,
    run: (p: Provider, sampling: Sampling, ctx: RequestContext) => AsyncIterable<GenerationEvent>,
    /** Throws, before anything is admitted or recorded, what the routed provider cannot take. */
    refuse?: (p: Provider) => void,
  ): Promise<StartedGeneration> {
    const { model } = req;
    const provider = await this.route(model);
    refuse?.(provider);
    let admission = await this.admit(provider, endpoint, model, req.stream ?? false, ctx, {
      promptTokens: promptBound,
      ...(req.sampling.maxTokens !== undefined ? { maxTokens: req.sampling.maxTokens } : {}),
      completion: true,
    });
    const { ledger, log } = this.opts;
    ctx.onAdmitted?.(admission.headers);
    const sampling: Sampling =
      admission.maxTokensCap === undefined
        ? req.sampling
        : { ...req.sampling, maxTokensCap: admission.maxTokensCap };
    let iterator: AsyncIterator<GenerationEvent>;
    let first: IteratorResult<GenerationEvent>;
    try {
      // A pool that fails over moves the request to its next attempt's usage row.
      const attemptCtx: RequestContext = {
        ...ctx,
        share: this.queueShare(ctx.principal.memberId),
        nextAttempt: (f) => {
          admission = ledger.reattempt(admission, f);
        },
      };
      iterator = run(provider, sampling, attemptCtx)[Symbol.asyncIterator]();
      first = await iterator.next();
      if (first.done || first.value.type !== "started")
        throw new Error("generation ended before it started");
    } catch (err) {
      // Nothing was generated: the reservation is released, not charged.
      const apiErr = toApiError(err, model);
      if (ctx.signal.aborted)
        // The client left before its generation started (typically while waiting for a local
        // sequence): not a failure of ours. 499 is the usual "client closed request" status.
        ledger.release(admission, "client_disconnected", 499);
      else ledger.release(admission, apiErr.code ?? apiErr.type, apiErr.status);
      throw apiErr;
    }
    const started = first.value;
    const base = { servedModel: model, provider: provider.id };
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
        source: "estimate",
        estimated: true,
        outcome: err ? "error" : "aborted",
        errorCode: err ? (err.code ?? err.type) : code,
        httpStatus: err?.status ?? null,
        ttftMs,
      });
    ctx.onClose?.(() => {
      if (admission.done || consuming) return;
      settleByEstimate(null, "response_closed");
      void iterator.return?.();
    });
    return {
      promptTokens: started.promptTokens,
      cachedTokens: started.cachedTokens,
      headers: admission.headers,
      events: (async function* () {
        consuming = true;
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            const event = next.value;
            // Tool-call pieces are output too (estimates and time to first token count them).
            if (event.type === "delta" || event.type === "tool_call") {
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
                source,
                estimated: source === "estimate",
                outcome: event.finishReason === "abort" ? "aborted" : "ok",
                ttftMs,
              });
            }
            if (event.type !== "started") yield event;
          }
        } catch (err) {
          const apiErr = toApiError(err, model);
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

/** A generation that has been admitted and tokenised; `events` yields deltas and one `done`. */
export interface StartedGeneration {
  promptTokens: number;
  cachedTokens: number;
  /** `x-ratelimit-*` headers to send with the response. */
  headers: Record<string, string>;
  events: AsyncGenerator<Exclude<GenerationEvent, { type: "started" }>>;
}
