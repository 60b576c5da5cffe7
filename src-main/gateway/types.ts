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
  | { type: "done"; text: string; finishReason: FinishReason; usage: GenerationUsage };

/** Who is calling: the member, their role, and the key used (null: anonymous local use). */
export interface CallerPrincipal {
  memberId: string;
  role: "owner" | "admin" | "member" | "viewer";
  keyId: string | null;
}

/** Per-request facts every pipeline step can see. */
export interface RequestContext {
  requestId: string;
  principal: CallerPrincipal;
  /** Aborted when the client disconnects or the server shuts down. */
  signal: AbortSignal;
  /** Runs `fn` once the response is over, however it ended (finished, failed, cut). */
  onClose?: (fn: () => void) => void;
  receivedAtMs: number;
}
