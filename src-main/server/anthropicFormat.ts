import type { FinishReason, GenerationUsage } from "../engine/protocol.js";
import type { ThinkingBlock, ToolCall } from "../gateway/types.js";
import { toolInput } from "../providers/conversation.js";

/**
 * Benchtop's answers → Anthropic Messages API shapes: message objects, content blocks, usage and
 * stop reasons. Shared by the streaming and non-streaming paths (requests in: anthropicRequest).
 */

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";

/** `msg_` + the request id's random part, so logs and responses correlate. */
export function messageId(requestId: string): string {
  return `msg_${requestId.replace(/^req_/, "")}`;
}

/**
 * The generation's finish → Anthropic's `stop_reason`. A `stop` to have tool calls run is
 * `tool_use`; one that a stop sequence caused is `stop_sequence` (when the provider reports
 * which); any other `stop` (end of turn) and `abort`, which no client reads, are `end_turn`.
 */
export function stopReason(done: {
  finishReason: FinishReason;
  stopSequence?: string | undefined;
  toolUse?: boolean | undefined;
}): { stop_reason: StopReason; stop_sequence: string | null } {
  const reason = done.finishReason;
  if (reason === "length") return { stop_reason: "max_tokens", stop_sequence: null };
  if (reason === "stop" && done.toolUse) return { stop_reason: "tool_use", stop_sequence: null };
  if (reason === "stop" && done.stopSequence !== undefined)
    return { stop_reason: "stop_sequence", stop_sequence: done.stopSequence };
  return { stop_reason: "end_turn", stop_sequence: null };
}

/**
 * The answer's content blocks: its thinking blocks (an Anthropic upstream's, with their
 * signatures), its text (unless empty beside tool calls), then its tool calls.
 */
export function contentBlocks(text: string, calls: ToolCall[], thinking: ThinkingBlock[] = []) {
  return [
    ...thinking,
    ...(text !== "" || calls.length === 0 ? [{ type: "text" as const, text }] : []),
    ...calls.map((c) => ({
      type: "tool_use" as const,
      id: c.id,
      name: c.name,
      input: toolInput(c.arguments),
    })),
  ];
}

/**
 * Anthropic's usage: prompt tokens reused from a cache are `cache_read_input_tokens`, tokens an
 * upstream wrote to its cache `cache_creation_input_tokens` (0 for local models, which write no
 * cache the client pays for), the rest `input_tokens` (Anthropic's total input is their sum,
 * which is what count_tokens answers and the ledger's `prompt_tokens`).
 */
export function inputUsage(promptTokens: number, cachedTokens: number, cacheWriteTokens = 0) {
  return {
    input_tokens: Math.max(0, promptTokens - cachedTokens - cacheWriteTokens),
    cache_creation_input_tokens: cacheWriteTokens,
    cache_read_input_tokens: cachedTokens,
  };
}

export function usageBody(u: GenerationUsage) {
  return {
    ...inputUsage(u.promptTokens, u.cachedTokens, u.cacheWriteTokens ?? 0),
    output_tokens: u.completionTokens,
  };
}

/** The non-streaming answer, Anthropic's `message` object: a text block, then tool calls. */
export function messageBody(
  id: string,
  model: string,
  text: string,
  stop: ReturnType<typeof stopReason>,
  usage: GenerationUsage,
  toolCalls: ToolCall[] = [],
  thinking: ThinkingBlock[] = [],
) {
  return {
    id,
    type: "message" as const,
    role: "assistant" as const,
    model,
    content: contentBlocks(text, toolCalls, thinking),
    ...stop,
    usage: usageBody(usage),
  };
}
