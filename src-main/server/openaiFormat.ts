import type { FinishReason, GenerationUsage } from "../engine/protocol.js";
import type { GenerationEvent, ToolCall } from "../gateway/types.js";

/** Builders for OpenAI response objects, shared by streaming and non-streaming paths. */

export const SYSTEM_FINGERPRINT = "fp_benchtop";

export function usageBody(u: GenerationUsage) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** `abort` is internal: the client that aborted never reads it, so it maps to `stop`. */
export function finishReason(reason: FinishReason): "stop" | "length" {
  return reason === "length" ? "length" : "stop";
}

export type ChatFinishReason = "stop" | "length" | "tool_calls";

/** A chat answer's finish: `tool_calls` when the model stopped to have its tools run. */
export function chatFinishReason(done: { finishReason: FinishReason; toolUse?: boolean }) {
  return done.toolUse && done.finishReason === "stop"
    ? "tool_calls"
    : finishReason(done.finishReason);
}

/** The tool calls of a non-streamed chat answer, as OpenAI's `message.tool_calls`. */
export function toolCallsBody(calls: ToolCall[]) {
  return calls.map((c) => ({
    id: c.id,
    type: "function" as const,
    function: { name: c.name, arguments: c.arguments },
  }));
}

/**
 * One streamed piece of a tool call as OpenAI's `delta.tool_calls` entry: the first of a call
 * carries `id`, `type` and the function's `name` (the SDKs' accumulators need all three there),
 * later ones only argument fragments.
 */
export function toolCallDelta(e: Extract<GenerationEvent, { type: "tool_call" }>) {
  if (e.id === undefined) return { index: e.index, function: { arguments: e.argumentsDelta } };
  return {
    index: e.index,
    id: e.id,
    type: "function" as const,
    function: { name: e.name ?? "", arguments: e.argumentsDelta },
  };
}

/** Unix seconds, as OpenAI's `created`. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Response ids share the request id's random part, so logs and responses correlate. */
export function responseId(prefix: "chatcmpl" | "cmpl", requestId: string): string {
  return `${prefix}-${requestId.replace(/^req_/, "")}`;
}
