import type { Conversation, ToolCall } from "../gateway/types.js";
import { countTexts, type Encoding } from "./tokenCountWorker.js";

/**
 * Token counts for answers whose upstream reported no usage (some OpenAI-compatible servers
 * never do, and a stream can break before its usage arrives), and for `/v1/messages/count_tokens`
 * on OpenAI-compatible pools. Counted with `gpt-tokenizer`'s BPE encodings — exact for OpenAI's
 * own models, an estimate for every other family, whose tokenizers are not public; rows settled
 * from these are flagged `estimated` either way.
 *
 * Counting runs on a worker thread (tokenCountWorker.ts), never on the core's event loop; the
 * encodings load there on first use (about 0.3 s and 35 MB each).
 */

export type { Encoding } from "./tokenCountWorker.js";

/**
 * Tokens OpenAI's chat format adds per message (role and separators) and once to prime the
 * reply, from OpenAI's published counting recipe for gpt-4o and gpt-4.
 */
const PER_MESSAGE = 3;
const PER_REPLY = 3;
/** A tool call's own framing (name, id, separators) beyond its arguments. */
const PER_TOOL_CALL = 8;
/**
 * An image's tokens when its size is unknown: OpenAI's count for a 1024×1024 image at high
 * detail on gpt-4o (85 + 4 tiles × 170). Anthropic's for the same image is about 1,400; either
 * way only an estimate.
 */
export const IMAGE_TOKENS = 765;
/** The rough estimate's characters per token (English text and code average about 4). */
const CHARS_PER_TOKEN = 4;

/**
 * cl100k_base for GPT-3.5 and GPT-4 (not 4o/4.1), and OpenAI's embedding models of that
 * generation; o200k_base for everything else: GPT-4o, 4.1, o-series, GPT-5, and the models of
 * other families (the closer of the two to modern tokenizers).
 */
export function encodingFor(model: string): Encoding {
  const id = model.toLowerCase().replace(/^.*\//, "");
  return /^(gpt-3\.5|gpt-35|gpt-4(?![o.])|text-embedding-(ada|3))/.test(id)
    ? "cl100k_base"
    : "o200k_base";
}

/** Tokens of a prompt: every turn's text, tool calls and results, tool definitions, images. */
export async function countPromptTokens(conv: Conversation, model: string): Promise<number> {
  const texts: string[] = [];
  let n = PER_REPLY;
  if (conv.tools.length > 0) texts.push(JSON.stringify(conv.tools));
  for (const turn of conv.turns) {
    n += PER_MESSAGE;
    if (turn.role === "system") {
      texts.push(turn.text);
      continue;
    }
    for (const p of turn.content)
      if (p.type === "text") texts.push(p.text);
      else n += IMAGE_TOKENS;
    if (turn.role === "assistant") n += callsTexts(turn.toolCalls, texts);
    if (turn.role === "tool") texts.push(turn.toolCallId);
  }
  return n + sum(await countTexts(encodingFor(model), texts));
}

/** Tokens of an answer: its text and its tool calls (names and arguments). */
export async function countCompletionTokens(
  text: string,
  calls: ToolCall[],
  model: string,
): Promise<number> {
  const texts = [text];
  const n = callsTexts(calls, texts);
  return n + sum(await countTexts(encodingFor(model), texts));
}

/**
 * For settlement: the count, or when the counting worker is busy or failed, the rough estimate
 * (a row is settled either way, flagged `estimated`, never left open or settled at $0).
 */
export function settlementPromptTokens(conv: Conversation, model: string): Promise<number> {
  return countPromptTokens(conv, model).catch(() => roughPromptTokens(conv));
}

/** For settlement: as `settlementPromptTokens`, for an answer. */
export function settlementCompletionTokens(
  text: string,
  calls: ToolCall[],
  model: string,
): Promise<number> {
  return countCompletionTokens(text, calls, model).catch(() => {
    let chars = text.length;
    for (const c of calls) chars += c.name.length + c.arguments.length;
    return Math.ceil(chars / CHARS_PER_TOKEN) + PER_TOOL_CALL * calls.length;
  });
}

/**
 * A quick estimate of a prompt's tokens, without tokenizing (about 4 characters per token):
 * what a pooled request reports while its upstream has not counted yet. Never less than 1.
 */
export function roughPromptTokens(conv: Conversation): number {
  let chars = conv.tools.length > 0 ? JSON.stringify(conv.tools).length : 0;
  let images = 0;
  for (const turn of conv.turns) {
    if (turn.role === "system") {
      chars += turn.text.length;
      continue;
    }
    for (const p of turn.content)
      if (p.type === "text") chars += p.text.length;
      else images++;
    if (turn.role === "assistant")
      for (const c of turn.toolCalls) chars += c.name.length + c.arguments.length;
  }
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS);
}

/** Adds the texts of `calls` to `texts`; returns their fixed framing tokens. */
function callsTexts(calls: ToolCall[], texts: string[]): number {
  for (const c of calls) texts.push(c.name, c.arguments);
  return PER_TOOL_CALL * calls.length;
}

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
