/** Row types of the conversations and messages tables, and their snake_case → camelCase maps. */

export type MessageRole = "user" | "assistant" | "system";

export interface Conversation {
  id: string;
  memberId: string;
  title: string;
  systemPrompt: string;
  model: string | null;
  messageCount: number;
  /** Per-member counter of changes: the list order and the page cursor. */
  activity: number;
  createdMs: number;
  updatedMs: number;
  /** Set by `search` only: the best match, terms wrapped in `marks`. */
  snippet?: string;
}

export interface NewMessage {
  role: MessageRole;
  content: string;
  model?: string | null;
  requestId?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  costMicros?: number | null;
  ttftMs?: number | null;
  durationMs?: number | null;
  tokensPerS?: number | null;
  finishReason?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

export interface Message extends Required<NewMessage> {
  id: string;
  conversationId: string;
  position: number;
  createdMs: number;
}

/** What the ledger charged for one request (every attempt), once no attempt is reserved. */
export interface RequestCharge {
  costMicros: number;
  /** Of the last attempt (the one that answered, or the last one tried). */
  promptTokens: number | null;
  completionTokens: number | null;
}

export const CONVERSATION_COLUMNS = `c.id, c.member_id, c.title, c.system_prompt, c.model, c.activity,
  c.created_ms, c.updated_ms,
  (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;

export interface RawConversation {
  id: string;
  member_id: string;
  title: string;
  system_prompt: string;
  model: string | null;
  activity: number;
  created_ms: number;
  updated_ms: number;
  message_count: number;
  snippet?: string;
}

export const conversationFromRaw = (r: RawConversation): Conversation => ({
  id: r.id,
  memberId: r.member_id,
  title: r.title,
  systemPrompt: r.system_prompt,
  model: r.model,
  messageCount: r.message_count,
  activity: r.activity,
  createdMs: r.created_ms,
  updatedMs: r.updated_ms,
  ...(r.snippet === undefined ? {} : { snippet: r.snippet }),
});

export interface RawMessage {
  id: string;
  conversation_id: string;
  position: number;
  role: MessageRole;
  content: string;
  model: string | null;
  request_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_micros: number | null;
  ttft_ms: number | null;
  duration_ms: number | null;
  tokens_per_s: number | null;
  finish_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  created_ms: number;
}

export const messageFromRaw = (r: RawMessage): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  position: r.position,
  role: r.role,
  content: r.content,
  model: r.model,
  requestId: r.request_id,
  promptTokens: r.prompt_tokens,
  completionTokens: r.completion_tokens,
  costMicros: r.cost_micros,
  ttftMs: r.ttft_ms,
  durationMs: r.duration_ms,
  tokensPerS: r.tokens_per_s,
  finishReason: r.finish_reason,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  createdMs: r.created_ms,
});

export interface RawCharge {
  request_id: string;
  cost: number;
  pending: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

export const chargeFromRaw = (r: RawCharge): RequestCharge => ({
  costMicros: r.cost,
  promptTokens: r.prompt_tokens,
  completionTokens: r.completion_tokens,
});
