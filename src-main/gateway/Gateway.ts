import type { Logger } from "pino";
import type { Provider, ProviderModel } from "../providers/types.js";
import { modelNotFound, toApiError } from "./errors.js";
import type {
  ChatRequest,
  EmbeddingRequest,
  GenerationEvent,
  RequestContext,
  TextCompletionRequest,
} from "./types.js";

export interface GatewayOptions {
  providers: Provider[];
  log: Logger;
}

/**
 * The request pipeline every inference call goes through:
 *   route → dispatch → (settle) — with authenticate, authorize, guard and admit to slot in before
 * dispatch, and settlement of usage after it, as later issues add members and the ledger.
 * Errors leave as `ApiError`s; a generation returns its event stream only once it has started,
 * so failures before the first token become proper HTTP errors rather than broken streams.
 */
export class Gateway {
  constructor(private readonly opts: GatewayOptions) {}

  async listModels(): Promise<ProviderModel[]> {
    const lists = await Promise.all(this.opts.providers.map((p) => p.listModels()));
    return lists.flat().sort((a, b) => a.id.localeCompare(b.id));
  }

  async getModel(id: string): Promise<ProviderModel> {
    const model = (await this.listModels()).find((m) => m.id === id);
    if (!model) throw modelNotFound(id);
    return model;
  }

  chat(req: ChatRequest, ctx: RequestContext): Promise<StartedGeneration> {
    return this.startGeneration(req.model, ctx, (p) => p.chat(req, ctx));
  }

  complete(req: TextCompletionRequest, ctx: RequestContext): Promise<StartedGeneration> {
    return this.startGeneration(req.model, ctx, (p) => p.complete(req, ctx));
  }

  async embed(req: EmbeddingRequest, ctx: RequestContext) {
    const provider = await this.route(req.model);
    try {
      return await provider.embed(req, ctx);
    } catch (err) {
      throw toApiError(err, req.model);
    }
  }

  /** Picks the provider serving `model`. */
  private async route(model: string): Promise<Provider> {
    for (const p of this.opts.providers) if (await p.hasModel(model)) return p;
    throw modelNotFound(model);
  }

  private async startGeneration(
    model: string,
    ctx: RequestContext,
    run: (p: Provider) => AsyncIterable<GenerationEvent>,
  ): Promise<StartedGeneration> {
    const provider = await this.route(model);
    const iterator = run(provider)[Symbol.asyncIterator]();
    let first: IteratorResult<GenerationEvent>;
    try {
      first = await iterator.next();
    } catch (err) {
      throw toApiError(err, model);
    }
    if (first.done || first.value.type !== "started") {
      throw toApiError(new Error("generation ended before it started"), model);
    }
    const started = first.value;
    const log = this.opts.log;
    return {
      promptTokens: started.promptTokens,
      cachedTokens: started.cachedTokens,
      events: (async function* () {
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            const event = next.value;
            if (event.type === "done") {
              // The per-request usage record (the ledger settles here once members exist).
              log.info(
                {
                  requestId: ctx.requestId,
                  model,
                  finishReason: event.finishReason,
                  promptTokens: event.usage.promptTokens,
                  cachedTokens: event.usage.cachedTokens,
                  completionTokens: event.usage.completionTokens,
                  ms: Date.now() - ctx.receivedAtMs,
                },
                "generation finished",
              );
            }
            if (event.type !== "started") yield event;
          }
        } catch (err) {
          const apiErr = toApiError(err, model);
          if (apiErr.status >= 500)
            log.warn({ requestId: ctx.requestId, code: apiErr.code }, "generation failed");
          throw apiErr;
        } finally {
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
  events: AsyncGenerator<Exclude<GenerationEvent, { type: "started" }>>;
}
