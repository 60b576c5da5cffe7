import type { FinishReason, GenerationUsage } from "../engine/protocol.js";

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

/** Unix seconds, as OpenAI's `created`. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Response ids share the request id's random part, so logs and responses correlate. */
export function responseId(prefix: "chatcmpl" | "cmpl", requestId: string): string {
  return `${prefix}-${requestId.replace(/^req_/, "")}`;
}
