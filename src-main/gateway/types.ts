import type { QueueShare } from "../engine/FairQueue.js";
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
  /**
   * `maxTokens` is a ceiling, not a demand: a local model with less room left in its context
   * answers up to the context's end instead of refusing with context_length_exceeded. Set for
   * Anthropic's required `max_tokens`, which clients such as Claude Code set far above a small
   * local context. Defaults to false (OpenAI's behaviour: too much is a 400).
   */
  fitMaxTokens?: boolean;
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
  /**
   * The client's Anthropic Messages body (validated; unknown fields kept), sent as it is to
   * Anthropic upstreams with the model replaced, max_tokens capped and streaming on: cache_control,
   * thinking, metadata, top_k and fields Benchtop does not know pass through. Other targets get
   * the neutral conversation, and what it cannot carry is reported (gateway/dropped.ts). Walked by
   * the guard like every string of the request.
   */
  anthropicBody?: Record<string, unknown>;
  /**
   * The client's `anthropic-beta` and `anthropic-version` headers, forwarded with
   * `anthropicBody` to Anthropic upstreams (absent: the connection's or the SDK's default).
   */
  anthropicHeaders?: { beta?: string; version?: string };
  /** Why a local model cannot serve this request (tools, images…); remote pools may. */
  unsupportedLocally?: { message: string; param: string; code: string };
  /**
   * The whole conversation in a provider-neutral form (content parts, tool calls and results,
   * tool definitions), which the remote adapters translate to their upstream. When it is set,
   * `messages` is its text-only view: what a local model reads of a plain chat, and what sizes
   * the reservation (with tool definitions and calls rendered as text). Absent: `messages` is all.
   */
  conversation?: Conversation;
}

/** A piece of message content: text or an image (inline base64 or a URL the upstream fetches). */
export type ContentPart = { type: "text"; text: string } | { type: "image"; source: ImageSource };
export type ImageSource =
  { kind: "base64"; mediaType: string; data: string } | { kind: "url"; url: string };

/** A function the model called; `arguments` is the JSON text it wrote (possibly cut short). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A function the model may call; `parameters` is its JSON schema (an object schema). */
export interface ToolSpec {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  /**
   * OpenAI's `strict` (the arguments must follow the schema exactly), forwarded to
   * OpenAI-compatible upstreams. Local models always constrain arguments by grammar. Absent: not
   * asked (the upstream's default).
   */
  strict?: boolean;
}

/**
 * Whether the model calls tools: `auto` (it decides; the default), `none`, `required` (at least
 * one, any; Anthropic's `any`), or `tool` (that one).
 */
export type ToolChoice = { type: "auto" | "none" | "required" } | { type: "tool"; name: string };

/** One turn of a conversation, neutral between OpenAI's and Anthropic's shapes. */
export type Turn =
  | { role: "system"; text: string }
  | { role: "user"; content: ContentPart[] }
  | { role: "assistant"; content: ContentPart[]; toolCalls: ToolCall[] }
  | { role: "tool"; toolCallId: string; content: ContentPart[]; isError: boolean };

export interface Conversation {
  turns: Turn[];
  tools: ToolSpec[];
  toolChoice?: ToolChoice;
  /**
   * `false`: at most one tool call per answer (OpenAI `parallel_tool_calls: false`, Anthropic
   * `disable_parallel_tool_use: true`). Absent: the upstream's default (parallel calls allowed).
   */
  parallelToolCalls?: boolean;
  /** Sampling fields the client set; absent ones are left to the upstream's defaults. */
  temperature?: number;
  topP?: number;
  /**
   * Structured output the client asked for where it has no client body to forward (the
   * Responses API's `text.format`): OpenAI-compatible upstreams are sent `response_format`;
   * Anthropic upstreams refuse it (400). Local models read `sampling.grammar` instead.
   */
  responseFormat?: ResponseFormatSpec;
}

/** A structured-output request: any JSON object, or JSON that follows `schema`. */
export type ResponseFormatSpec =
  | { type: "json_object" }
  | {
      type: "json_schema";
      name: string;
      description?: string;
      schema: Record<string, unknown>;
      strict?: boolean;
    };

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
  | {
      type: "started";
      promptTokens: number;
      cachedTokens: number;
      /** Prompt tokens written to the upstream's cache (GenerationUsage); absent: 0. */
      cacheWriteTokens?: number;
      /**
       * What the target could not be given of the client's request (parameters, `cache_control`,
       * `thinking`…), sent to the client as `x-benchtop-dropped`. Absent or empty: nothing.
       */
      dropped?: string[];
    }
  /**
   * A piece of text. `logprobs`: the upstream's `choices[].logprobs.content` entries of this
   * piece (OpenAI-compatible pools, when the client asked for logprobs).
   */
  | { type: "delta"; text: string; logprobs?: unknown[] }
  /**
   * A piece of the model's extended thinking (Anthropic upstreams): `start` opens a `thinking`
   * block, `text` and `signature` are its `thinking_delta` and `signature_delta` pieces, and
   * `redacted` is a whole `redacted_thinking` block (its opaque data). A block's pieces are
   * contiguous and come before the text or tool call that follows it. Only Anthropic-shaped
   * answers carry them; OpenAI-shaped ones leave them out.
   */
  | { type: "thinking"; part: "start" }
  | { type: "thinking"; part: "text"; text: string }
  | { type: "thinking"; part: "signature"; signature: string }
  | { type: "thinking"; part: "redacted"; data: string }
  /**
   * A piece of a tool call: the first event of a call carries its `id` and `name`, later ones
   * fragments of its JSON arguments. `index` counts tool calls (0, 1… in order); the events of
   * one call are contiguous (a call is complete once the next one starts).
   */
  | { type: "tool_call"; index: number; id?: string; name?: string; argumentsDelta: string }
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
      /**
       * The upstream that answered (pools), recorded as the provider of record: `provider` is
       * the connection's id, `model` the upstream model id the pool sent.
       */
      servedBy?: { provider: string; model: string };
      /**
       * The model version that answered, for the audit record: a remote upstream's own `model`
       * string (untrusted: control characters stripped, key material scrubbed, at most 128
       * characters; see providers/modelVersion.ts). Absent: not reported.
       */
      modelVersion?: string;
      /** With `finishReason: "stop"`: the stop sequence that ended it, when the provider knows. */
      stopSequence?: string;
      /** The tool calls of the answer, whole (also streamed as `tool_call` events). */
      toolCalls?: ToolCall[];
      /** The answer's thinking blocks, whole, in order (also streamed as `thinking` events). */
      thinking?: ThinkingBlock[];
      /** The answer's `logprobs.content` entries, whole (also streamed on `delta` events). */
      logprobs?: unknown[];
      /**
       * The model stopped to have its tool calls run (OpenAI `finish_reason: "tool_calls"`,
       * Anthropic `stop_reason: "tool_use"`); `finishReason` is then `stop`.
       */
      toolUse?: boolean;
    };

/** A thinking block of an answer, as Anthropic's Messages API writes it. */
export type ThinkingBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

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
  /**
   * The region and retention the connection tried had declared (the request reached it, so the
   * audit record keeps them); absent or null: none declared, or not a connection.
   */
  region?: string | null;
  retention?: string | null;
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
  /**
   * Called once the request is admitted, before it is dispatched, with its `x-ratelimit-*`
   * headers: the response may start (a queue notice) before the generation does.
   */
  onAdmitted?: (headers: Record<string, string>) => void;
  /**
   * Set by streaming routes: called while the request waits for a local model's sequence, with
   * the number of requests that will be served before it, each time that number changes.
   */
  onQueued?: (ahead: number) => void;
  /**
   * The client's conversation or agent session (`x-claude-code-session-id`, `x-session-id`):
   * a local model prefers the sequence that served this session last.
   */
  sessionKey?: string;
  /** Set by the gateway from the member's limits: their share of a local model's sequences. */
  share?: QueueShare;
  /**
   * `x-benchtop-model`: serve this model, pool or alias whatever the body names (the route's
   * force-model override; access rules apply to it as to any model).
   */
  forcedModel?: string;
  /**
   * Set by the gateway for remote targets whose request the guard changed: the same request
   * without secret redaction, for a pool to send to a connection whose owner turned KeyVault
   * off (PII policy still applied). A pool calls it only for such a connection.
   */
  withoutKeyVault?: () => ChatRequest;
  /** `x-benchtop-guard-restore: true`: placeholders go back into this answer. */
  restorePlaceholders?: boolean;
}
