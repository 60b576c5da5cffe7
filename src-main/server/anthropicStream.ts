import type { Response } from "express";
import type { StartedGeneration } from "../gateway/Gateway.js";
import { toApiError } from "../gateway/errors.js";
import { inputUsage, stopReason, usageBody } from "./anthropicFormat.js";
import { openAnthropicSse, type AnthropicSseStream } from "./sse.js";

export interface MessageStreamMeta {
  id: string;
  model: string;
  requestId: string;
  heartbeatS: number;
  /**
   * Whether the answer may hold tool calls (the request has tools). Without tools the text
   * block opens at once, before the first token, as Anthropic does; with tools blocks open as
   * content arrives, so an answer that is only tool calls has no empty text block (which
   * Anthropic refuses when a client sends the turn back).
   */
  tools: boolean;
  /**
   * Whether the client asked for extended thinking: blocks then open as content arrives too, so
   * a thinking block comes first, as Anthropic streams it.
   */
  thinking?: boolean;
}

/**
 * Streams a started generation as Anthropic SSE: `message_start` (input usage known, output 1 as
 * Anthropic reports it), content blocks in order — `thinking` blocks of an Anthropic upstream
 * (`thinking_delta`s, then a `signature_delta`), a `text` block (`text_delta`s) and one
 * `tool_use` block per tool call (`input_json_delta`s carrying the arguments' JSON fragments),
 * each `content_block_start` … `content_block_stop` — then `message_delta` with the stop reason
 * and final usage, and `message_stop`. A `ping` follows the first `content_block_start` and is
 * sent every heartbeat. A failure after the first byte is an `event: error`.
 */
export async function streamMessage(
  res: Response,
  gen: StartedGeneration,
  meta: MessageStreamMeta,
  /** The stream, when waiting in the queue already opened it. */
  sse: AnthropicSseStream = openAnthropicSse(res, meta.heartbeatS),
): Promise<void> {
  sse.event("message_start", {
    type: "message_start",
    message: {
      id: meta.id,
      type: "message",
      role: "assistant",
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        ...inputUsage(gen.promptTokens, gen.cachedTokens, gen.cacheWriteTokens ?? 0),
        output_tokens: 1,
      },
    },
  });
  let index = -1;
  let open: "text" | "tool_use" | "thinking" | "redacted_thinking" | null = null;
  const startBlock = (block: Record<string, unknown> & { type: NonNullable<typeof open> }) => {
    stopBlock();
    index++;
    open = block.type;
    sse.event("content_block_start", { type: "content_block_start", index, content_block: block });
    if (index === 0) sse.ping();
  };
  const stopBlock = () => {
    if (open === null) return;
    sse.event("content_block_stop", { type: "content_block_stop", index });
    open = null;
  };
  const delta = (d: Record<string, unknown>) =>
    sse.event("content_block_delta", { type: "content_block_delta", index, delta: d });

  if (!meta.tools && meta.thinking !== true) startBlock({ type: "text", text: "" });
  try {
    for await (const event of gen.events) {
      if (event.type === "delta") {
        if (open !== "text") startBlock({ type: "text", text: "" });
        delta({ type: "text_delta", text: event.text });
        continue;
      }
      if (event.type === "thinking") {
        // An Anthropic upstream's thinking, passed through with its signature (a client sends
        // the block back on its next turn, and the upstream checks the signature).
        if (event.part === "start") startBlock({ type: "thinking", thinking: "", signature: "" });
        else if (event.part === "redacted") {
          startBlock({ type: "redacted_thinking", data: event.data });
          stopBlock();
        } else if (open === "thinking")
          delta(
            event.part === "text"
              ? { type: "thinking_delta", thinking: event.text }
              : { type: "signature_delta", signature: event.signature },
          );
        continue;
      }
      if (event.type === "tool_call") {
        // A call's first piece names it; the pieces of one call are contiguous (GenerationEvent).
        if (event.id !== undefined)
          startBlock({ type: "tool_use", id: event.id, name: event.name ?? "", input: {} });
        if (open === "tool_use" && event.argumentsDelta !== "")
          delta({ type: "input_json_delta", partial_json: event.argumentsDelta });
        continue;
      }
      // An answer with no content at all still has its (empty) text block.
      if (index === -1) startBlock({ type: "text", text: "" });
      stopBlock();
      sse.event("message_delta", {
        type: "message_delta",
        delta: stopReason(event),
        // Final and cumulative: a pool's upstream may correct the prompt count made at start.
        usage: usageBody(event.usage),
      });
      sse.event("message_stop", { type: "message_stop" });
    }
    sse.end();
  } catch (err) {
    sse.fail(toApiError(err), meta.requestId);
  }
}
