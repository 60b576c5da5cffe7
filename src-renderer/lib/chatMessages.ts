import type { MessageDto, NewMessageBody } from "@contract";
import type { ChatRoute, ChatStreamResult, ChatTurn } from "./chatStream";

/**
 * A message on screen: as stored, or still streaming (`streaming`), or never stored (viewers). A
 * streaming answer waiting for the model has `queuedAhead`: requests before it in the model's line.
 * An answer of a routed model has `route`, from its response header: shown while the chat stays
 * open (conversations do not store it; the usage log keeps it per request).
 */
export type ChatMessage = MessageDto & {
  streaming?: boolean;
  queuedAhead?: number;
  route?: ChatRoute;
};

/** Longest automatic title, in characters (the API takes up to 200). */
const TITLE_CHARS = 60;

/** A new conversation's title: the first line of its first message, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0]!.trim().replace(/\s+/g, " ");
  if (!line) return "New chat";
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1).trimEnd()}…` : line;
}

/**
 * What the model is sent: the system prompt, then every message except failed turns that
 * produced no text (an error is for the person, not context for the model).
 */
export function turnsFor(systemPrompt: string, messages: readonly ChatMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  if (systemPrompt.trim()) turns.push({ role: "system", content: systemPrompt });
  for (const m of messages) {
    if (m.streaming) continue;
    if (m.error && !m.content) continue;
    turns.push({ role: m.role, content: m.content });
  }
  return turns;
}

/** The stored form of a finished (or stopped, or failed) answer, with its measurements. */
export function assistantBody(model: string, r: ChatStreamResult): NewMessageBody {
  return {
    role: "assistant",
    content: r.content,
    model,
    ...(r.requestId ? { request_id: r.requestId } : {}),
    ...(r.usage
      ? { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens }
      : {}),
    ...(r.ttftMs === null ? {} : { ttft_ms: r.ttftMs }),
    duration_ms: r.durationMs,
    ...(r.tokensPerS === null ? {} : { tokens_per_s: r.tokensPerS }),
    finish_reason: r.finishReason,
    ...(r.error ? { error: { code: r.error.code, message: r.error.message.slice(0, 2000) } } : {}),
  };
}

let localIds = 0;

/** A message as it would be stored, for a conversation kept on screen only (or in flight). */
export function localMessage(
  conversationId: string,
  position: number,
  body: NewMessageBody,
  now: number,
): ChatMessage {
  return {
    id: `local_${++localIds}`,
    conversation_id: conversationId,
    position,
    role: body.role,
    content: body.content,
    model: body.model ?? null,
    request_id: body.request_id ?? null,
    prompt_tokens: body.prompt_tokens ?? null,
    completion_tokens: body.completion_tokens ?? null,
    cost_micros: null,
    ttft_ms: body.ttft_ms ?? null,
    duration_ms: body.duration_ms ?? null,
    tokens_per_s: body.tokens_per_s ?? null,
    finish_reason: body.finish_reason ?? null,
    error: body.error ? { code: body.error.code, message: body.error.message } : null,
    created_ms: now,
  };
}
