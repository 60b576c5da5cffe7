import type { FinishReason, GenerationUsage } from "../engine/protocol.js";
import { invalidRequest } from "../gateway/errors.js";
import type { ChatRequest } from "../gateway/types.js";
import {
  isDroppedBlock,
  type CountTokensBody,
  type MessageParam,
  type MessagesBody,
} from "./schemas/anthropic.js";

/**
 * Anthropic Messages API ↔ Benchtop's internal shapes: requests in (`ChatRequest`), message
 * objects, usage and stop reasons out. Shared by the streaming and non-streaming paths.
 */

/** Text blocks of one message or system prompt are joined with a blank line. */
const BLOCK_SEPARATOR = "\n\n";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence";

/** `msg_` + the request id's random part, so logs and responses correlate. */
export function messageId(requestId: string): string {
  return `msg_${requestId.replace(/^req_/, "")}`;
}

/**
 * The engine's finish → Anthropic's `stop_reason`. A `stop` that a stop sequence caused is
 * `stop_sequence` (the engine reports which); any other `stop` (end of turn) and `abort`, which
 * no client reads, are `end_turn`.
 */
export function stopReason(
  reason: FinishReason,
  stopSequence: string | undefined,
): { stop_reason: StopReason; stop_sequence: string | null } {
  if (reason === "length") return { stop_reason: "max_tokens", stop_sequence: null };
  if (reason === "stop" && stopSequence !== undefined)
    return { stop_reason: "stop_sequence", stop_sequence: stopSequence };
  return { stop_reason: "end_turn", stop_sequence: null };
}

/**
 * Anthropic's usage: prompt tokens reused from a previous turn's cache are
 * `cache_read_input_tokens`, the rest `input_tokens` (Anthropic's total input is their sum, which
 * is what count_tokens answers and the ledger's `prompt_tokens`). Nothing is written to a cache
 * the client pays for, so `cache_creation_input_tokens` is 0.
 */
export function inputUsage(promptTokens: number, cachedTokens: number) {
  return {
    input_tokens: promptTokens - cachedTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedTokens,
  };
}

export function usageBody(u: GenerationUsage) {
  return { ...inputUsage(u.promptTokens, u.cachedTokens), output_tokens: u.completionTokens };
}

/** The non-streaming answer, Anthropic's `message` object with one text block. */
export function messageBody(
  id: string,
  model: string,
  text: string,
  stop: ReturnType<typeof stopReason>,
  usage: GenerationUsage,
) {
  return {
    id,
    type: "message" as const,
    role: "assistant" as const,
    model,
    content: [{ type: "text" as const, text }],
    ...stop,
    usage: usageBody(usage),
  };
}

/**
 * An Anthropic request as a `ChatRequest`: the system prompt becomes a first system message,
 * text blocks are joined, earlier thinking blocks dropped (as Anthropic does). What local models
 * cannot take yet (tools, images, tool_use/tool_result, documents) is refused with a 400.
 * `body` is the OpenAI-shaped equivalent, for OpenAI-compatible pools.
 */
export function toChatRequest(body: MessagesBody): ChatRequest {
  const input = toInput(body);
  const stop = (body.stop_sequences ?? []).filter((s) => s.length > 0);
  return {
    model: body.model,
    stream: body.stream === true,
    messages: input,
    sampling: {
      maxTokens: body.max_tokens,
      // Anthropic's defaults.
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      stop,
    },
    body: {
      model: body.model,
      messages: input,
      max_tokens: body.max_tokens,
      ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
      ...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
      ...(stop.length > 0 ? { stop } : {}),
    },
  };
}

/** The input of a count_tokens request, as the `ChatRequest` a generation of it would be. */
export function toCountRequest(body: CountTokensBody): ChatRequest {
  return {
    model: body.model,
    messages: toInput(body),
    sampling: { temperature: 1, topP: 1, stop: [] },
  };
}

function toInput(body: CountTokensBody): ChatRequest["messages"] {
  if (body.tools && body.tools.length > 0)
    throw invalidRequest(
      "Tools are not supported by this model yet.",
      "tools",
      "unsupported_parameter",
    );
  const out: ChatRequest["messages"] = [];
  if (body.system !== undefined) {
    const system =
      typeof body.system === "string"
        ? body.system
        : body.system.map((b) => b.text).join(BLOCK_SEPARATOR);
    out.push({ role: "system", content: system });
  }
  body.messages.forEach((m, i) => {
    const content = messageText(m, i);
    const last = out.at(-1);
    // Consecutive turns of one role are one turn, as Anthropic combines them.
    if (last && last.role === m.role) last.content += BLOCK_SEPARATOR + content;
    else out.push({ role: m.role, content });
  });
  if (out.at(-1)?.role === "assistant")
    throw invalidRequest(
      "Prefilling the response (a last message with the assistant role) is not supported by this model yet.",
      `messages[${body.messages.length - 1}]`,
      "unsupported_prefill",
    );
  return out;
}

function messageText(m: MessageParam, i: number): string {
  if (typeof m.content === "string") return m.content;
  const texts: string[] = [];
  m.content.forEach((block, j) => {
    if (block.type === "text") texts.push(block.text);
    else if (!isDroppedBlock(block))
      throw unsupportedBlock(block.type, `messages[${i}].content[${j}]`);
  });
  return texts.join(BLOCK_SEPARATOR);
}

function unsupportedBlock(type: string, param: string) {
  const what =
    type === "image"
      ? "Image content blocks are"
      : type === "tool_use" || type === "tool_result"
        ? "Tool use and tool result blocks are"
        : `Content blocks of type '${type}' are`;
  return unsupported(`${what} not supported by this model yet.`, param);
}

const unsupported = (message: string, param: string) =>
  invalidRequest(message, param, "unsupported_content");
