import type {
  ChatRequest,
  EmbeddingRequest,
  GenerationEvent,
  RequestContext,
  TextCompletionRequest,
} from "../gateway/types.js";

/** A model a provider can serve, as `/v1/models` lists it. */
export interface ProviderModel {
  id: string;
  /** Unix seconds. */
  created: number;
  /** `benchtop` for local GGUF models; the provider name for remote ones. */
  ownedBy: string;
}

/**
 * One protocol family behind one interface: the local engine now, OpenAI-compatible and
 * Anthropic upstreams later. Generations stream `GenerationEvent`s ending in one `done`.
 */
export interface Provider {
  readonly id: string;
  /**
   * True for the local engine: requests to it never leave the machine. Anything else is remote
   * and passes the guard's secret redaction (absent = remote, so a new provider fails closed).
   */
  readonly local?: boolean;
  listModels(): Promise<ProviderModel[]>;
  hasModel(model: string): Promise<boolean>;
  /** The most prompt + completion tokens `model` handles in one request (sizes reservations). */
  contextTokens(model: string): number;
  chat(req: ChatRequest, ctx: RequestContext): AsyncIterable<GenerationEvent>;
  /**
   * Throws (an `ApiError`) when this provider cannot serve `req` at all — e.g. a local model
   * given tools or images — so the request is refused before anything is admitted or recorded.
   */
  refuse?(req: ChatRequest): void;
  complete(req: TextCompletionRequest, ctx: RequestContext): AsyncIterable<GenerationEvent>;
  embed(
    req: EmbeddingRequest,
    ctx: RequestContext,
  ): Promise<{ vectors: number[][]; promptTokens: number }>;
  /**
   * Prompt tokens `req` would take, exactly as a generation counts them, without generating
   * (`/v1/messages/count_tokens`). Absent: the provider cannot count, and the call is refused.
   */
  countTokens?(req: ChatRequest, ctx: RequestContext): Promise<number>;
}
