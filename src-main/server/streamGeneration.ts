import type { Response } from "express";
import type { StartedGeneration } from "../gateway/Gateway.js";
import { ApiError } from "../gateway/errors.js";
import type { GenerationEvent } from "../gateway/types.js";
import {
  chatFinishReason,
  nowSeconds,
  SYSTEM_FINGERPRINT,
  usageBody,
  type ChatFinishReason,
} from "./openaiFormat.js";
import { openSse, type SseStream } from "./sse.js";

/** How one OpenAI endpoint spells its stream: the chunk object and its choices. */
export interface ChunkFormat {
  object: "chat.completion.chunk" | "text_completion";
  /** Choices sent before any token (the chat `role` delta, or echoed prompt text); may be none. */
  opening: unknown[];
  /** `logprobs`: the piece's `logprobs.content` entries, when the upstream sent some. */
  delta(text: string, logprobs?: unknown[]): unknown;
  /** A piece of a tool call (chat only; other endpoints never get one). */
  toolCall?(event: Extract<GenerationEvent, { type: "tool_call" }>): unknown;
  finish(reason: ChatFinishReason): unknown;
}

/**
 * Streams a started generation as OpenAI SSE: opening choices, one chunk per delta (text or a
 * piece of a tool call), a chunk with `finish_reason`, then (with `include_usage`) a
 * `choices: []` chunk carrying the usage, and `[DONE]`. With include_usage every earlier chunk carries `usage: null`, as OpenAI does. A
 * failure after the first byte becomes an error frame.
 */
export async function streamGeneration(
  res: Response,
  gen: StartedGeneration,
  meta: { id: string; model: string; includeUsage: boolean; heartbeatS: number },
  format: ChunkFormat,
  /** The stream, when waiting in the queue already opened it. */
  sse: SseStream = openSse(res, meta.heartbeatS),
): Promise<void> {
  const created = nowSeconds();
  const chunk = (choices: unknown[], usage?: unknown) => ({
    id: meta.id,
    object: format.object,
    created,
    model: meta.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices,
    ...(meta.includeUsage ? { usage: usage ?? null } : {}),
  });
  if (format.opening.length > 0) sse.send(chunk(format.opening));
  try {
    for await (const event of gen.events) {
      if (event.type === "delta") {
        sse.send(chunk([format.delta(event.text, event.logprobs)]));
        continue;
      }
      // OpenAI's chat shape has no thinking blocks (an Anthropic upstream's are left out).
      if (event.type === "thinking") continue;
      if (event.type === "tool_call") {
        if (format.toolCall) sse.send(chunk([format.toolCall(event)]));
        continue;
      }
      sse.send(chunk([format.finish(chatFinishReason(event))]));
      if (meta.includeUsage) sse.send(chunk([], usageBody(event.usage)));
    }
    sse.done();
  } catch (err) {
    sse.fail(
      err instanceof ApiError ? err : new ApiError(500, "server_error", "Generation failed."),
    );
  }
}
