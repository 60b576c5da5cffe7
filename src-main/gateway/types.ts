import type { EngineGrammar, FinishReason, GenerationUsage } from "../engine/protocol.js";

/** Sampling settings shared by chat and text completions, already defaulted. */
export interface Sampling {
  /** Absent: up to the end of the model's context. */
  maxTokens?: number;
  /** OpenAI's default is 1. */
  temperature: number;
  /** OpenAI's default is 1. */
  topP: number;
  seed?: number;
  stop: string[];
  grammar?: EngineGrammar;
  /** Set by admission: the member's max_tokens limit, applied without refusing the request. */
  maxTokensCap?: number;
}

/** One chat request in Benchtop's internal shape (OpenAI and, later, Anthropic map onto it). */
export interface ChatRequest {
  model: string;
  /** Whether the client streams the answer (recorded on the usage row). */
  stream?: boolean;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  sampling: Sampling;
  /**
   * The client's OpenAI-shaped body (validated), forwarded to OpenAI-compatible upstreams with
   * the model replaced: tools, images and parameters Benchtop does not interpret pass through.
   */
  body?: Record<string, unknown>;
  /** Why a local model cannot serve this request (tools, images…); remote pools may. */
  unsupportedLocally?: { message: string; param: string; code: string };
}

export interface TextCompletionRequest {
  model: string;
  stream?: boolean;
  /** Text, or token ids of the model's vocabulary. */
  prompt: string | number[];
  sampling: Sampling;
}

export interface EmbeddingRequest {
  model: string;
  inputs: (string | number[])[];
}

/** The stream every generation produces, whatever provider serves it. */
export type GenerationEvent =
  | { type: "started"; promptTokens: number; cachedTokens: number }
  | { type: "delta"; text: string }
  | {
      type: "done";
      text: string;
      finishReason: FinishReason;
      usage: GenerationUsage;
      /**
       * Where `usage` came from: the local engine's own count (default), the upstream's
       * report, or an estimate when the upstream reported none.
       */
      source?: "engine" | "provider" | "estimate";
      /** The upstream that answered (pools), recorded as the provider of record. */
      servedBy?: { provider: string; model: string };
      /** With `finishReason: "stop"`: the stop sequence that ended it, when the provider knows. */
      stopSequence?: string;
    };

/** Who is calling: the member, their role, and the key used (null: anonymous local use). */
export interface CallerPrincipal {
  memberId: string;
  role: "owner" | "admin" | "member" | "viewer";
  keyId: string | null;
}

/** A failed attempt, as recorded on its usage row. */
export interface AttemptFailure {
  provider: string;
  servedModel: string;
  errorCode: string;
  httpStatus: number | null;
}

/** Per-request facts every pipeline step can see. */
export interface RequestContext {
  requestId: string;
  principal: CallerPrincipal;
  /** Aborted when the client disconnects or the server shuts down. */
  signal: AbortSignal;
  /**
   * Set by the gateway for providers that fail over (pools): records that the current attempt
   * failed before producing anything and starts the usage row of the next one.
   */
  nextAttempt?: (failure: AttemptFailure) => void;
  /** Runs `fn` once the response is over, however it ended (finished, failed, cut). */
  onClose?: (fn: () => void) => void;
  receivedAtMs: number;
}
