/**
 * The typed message protocol between the core (parent) and the engine host process (child).
 * Plain JSON-serialisable objects only: the same messages travel over `child_process.fork`
 * IPC headless and over Electron's `utilityProcess` port in the desktop app.
 */
import type { KvCacheType } from "./loadSettings.js";

/**
 * One chat message after the gateway has normalised it: text, plus the tool calls an assistant
 * turn made and the results the client sent back for them (matched by `toolCallId`).
 */
export type EngineMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: EngineToolCall[] }
  | { role: "tool"; toolCallId: string; content: string; isError?: boolean };

/** A function call the model made; `arguments` is the JSON text it wrote. */
export interface EngineToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A function the model may call; `parameters` is the client's JSON schema for its arguments. */
export interface EngineTool {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/**
 * `auto`: the model answers or calls tools (node-llama-cpp's function calling, in the chat
 * template's own syntax); `required`: one call to any tool; `{ name }`: one call to that tool —
 * both forced by a grammar, so the arguments always parse and match the schema's shape.
 */
export type EngineToolChoice = "auto" | "required" | { name: string };

/** Output constraint enforced by a grammar while sampling. */
export type EngineGrammar = { type: "json" } | { type: "json_schema"; schema: unknown };

export interface SamplingOptions {
  /** Tokens to generate at most. The host refuses prompt + maxTokens beyond the context size. */
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  /** Stop sequences; the matched text is not part of the output (OpenAI semantics). */
  stop: string[];
  grammar?: EngineGrammar;
  /**
   * A ceiling the caller did not ask for (a member's max_tokens limit): the completion stops at
   * it or at the end of the context, whichever comes first, and is never refused for it.
   */
  maxTokensCap?: number;
}

export type GenerateInput =
  | { kind: "chat"; messages: EngineMessage[]; tools?: EngineTool[]; toolChoice?: EngineToolChoice }
  | { kind: "text"; prompt: string | number[] };

/**
 * How a model is loaded (one model's stored settings over the engine defaults, see
 * engine/loadSettings.ts).
 */
export interface LoadOptions {
  /**
   * Context tokens per sequence. `"auto"`: the largest that fits free memory for `sequences`, up to
   * the model's training context (node-llama-cpp's `contextSize: "auto"`).
   */
  contextSize: number | "auto";
  sequences: number;
  /** Layers on the GPU: `"auto"` (what fits), `"max"` (all) or a number. Ignored without a GPU. */
  gpuLayers: number | "max" | "auto";
  flashAttention: boolean | "auto";
  /** KV-cache type for keys and values (`KvCacheType`: f16, q8_0, q4_0…). */
  kvCacheType: KvCacheType;
}

export type HostRequest =
  | { type: "load"; id: number; modelId: string; path: string; options: LoadOptions }
  | { type: "unload"; id: number; modelId: string }
  | {
      type: "generate";
      id: number;
      modelId: string;
      input: GenerateInput;
      /** `maxTokens` absent means "up to the end of the context". */
      sampling: Omit<SamplingOptions, "maxTokens"> & { maxTokens?: number };
      /** The conversation or agent session, preferred onto the sequence that served it last. */
      sessionKey?: string;
    }
  | { type: "embed"; id: number; modelId: string; inputs: (string | number[])[] }
  /** Counts the prompt tokens of `input` exactly as `generate` would evaluate them; no sampling. */
  | { type: "tokenize"; id: number; modelId: string; input: GenerateInput }
  /** The host's view of the machine's memory and GPU (fit estimates on the Models page). */
  | { type: "hardware"; id: number }
  | { type: "abort"; id: number }
  | { type: "shutdown" };

export type FinishReason = "stop" | "length" | "abort";

export interface GenerationUsage {
  /** Tokens of the whole rendered prompt. */
  promptTokens: number;
  /**
   * Of those, tokens read from a cache (a local sequence's reused prefix, an upstream's cache
   * hit), settled at the price's cache-read rate.
   */
  cachedTokens: number;
  /**
   * Of `promptTokens`, tokens written to an upstream's prompt cache (Anthropic's
   * `cache_creation_input_tokens`), settled at the price's cache-write rate. Absent: 0.
   */
  cacheWriteTokens?: number;
  /** Tokens sampled, including any that formed a stop sequence. */
  completionTokens: number;
  /**
   * Tokens this request had the model evaluate: its uncached prompt tokens, then one per token
   * sampled but the last. Fewer than `promptTokens - cachedTokens` when it was abandoned while
   * its prompt was being read (evaluation stops within a batch). Absent from remote providers.
   */
  evaluatedTokens?: number;
}

export interface LoadedModelInfo {
  modelId: string;
  contextSize: number;
  sequences: number;
  trainContextSize: number;
  embeddingLength: number;
  /** Layers offloaded to the GPU (0 on CPU only). */
  gpuLayers: number;
  /** Flash attention as the context reports it (`"auto"`: llama.cpp decides per device). */
  flashAttention: boolean | "auto";
  kvCacheType: KvCacheType;
  /**
   * Bytes the weights and the context occupy, as node-llama-cpp accounts them
   * (`model.memoryUsage` + `context.memoryUsage`: RAM and VRAM separately).
   */
  memory: { ram: number; vram: number };
  loadMs: number;
}

export type EngineErrorCode =
  | "context_length_exceeded"
  | "invalid_grammar"
  | "model_load_failed"
  /** The model with these settings does not fit the memory free (or the budget). */
  | "insufficient_memory"
  | "model_not_found"
  | "not_loaded"
  | "invalid_input"
  /** The member already has as many requests waiting for this model as they may. */
  | "queue_full"
  /** The engine host died or could not start; a new one is being started. */
  | "engine_unavailable"
  | "internal";

export interface EngineErrorPayload {
  code: EngineErrorCode;
  message: string;
}

/** Passed to the engine host as its JSON argument. */
export interface HostConfig {
  /** llama.cpp threads for every context (and the Llama instance's maximum). */
  threads: number;
  gpu: "auto" | false | "cuda" | "vulkan" | "metal";
  /** `auto`: the native build if present, else prebuilt (see `engine.binary`). Default `auto`. */
  binary?: "auto" | "prebuilt" | "native";
}

export interface HostInfo {
  pid: number;
  threads: number;
  gpu: string | false;
  buildType: string;
  llamaCppRelease: string;
}

/** Memory and GPU as node-llama-cpp's `Llama` instance in the host sees them. */
export interface HostHardware {
  /** The backend in use (`cuda`, `vulkan`, `metal`) or `false` for CPU only. */
  gpu: string | false;
  supportsGpuOffloading: boolean;
  /** Bytes node-llama-cpp keeps free on the GPU as a safety margin. */
  vramPaddingSize: number;
  /** `null` without a GPU. `unifiedSize` > 0 on machines whose GPU shares system RAM. */
  vram: { total: number; used: number; free: number; unifiedSize: number } | null;
  ram: { total: number; free: number };
}

export type HostMessage =
  | { type: "ready"; info: HostInfo }
  | { type: "loaded"; id: number; info: LoadedModelInfo }
  | { type: "unloaded"; id: number }
  /** Generation was admitted: prompt tokenised and checked against the context. */
  | { type: "started"; id: number; promptTokens: number; cachedTokens: number }
  | { type: "delta"; id: number; text: string }
  /** A piece of a tool call: its first piece carries `callId` and `name`, later ones argument text. */
  | {
      type: "tool_call";
      id: number;
      index: number;
      callId?: string;
      name?: string;
      argumentsDelta: string;
    }
  | {
      type: "done";
      id: number;
      text: string;
      finishReason: FinishReason;
      usage: GenerationUsage;
      /** With `finishReason: "stop"`: the stop sequence that ended the generation, if one did. */
      stopSequence?: string;
      /** The tool calls of the answer, whole; set (with `finishReason: "stop"`) when it made any. */
      toolCalls?: EngineToolCall[];
    }
  | { type: "embedded"; id: number; vectors: number[][]; promptTokens: number }
  | { type: "tokenized"; id: number; promptTokens: number }
  | { type: "hardware"; id: number; hardware: HostHardware }
  | { type: "error"; id: number; error: EngineErrorPayload }
  | { type: "fatal"; message: string };
