import { z } from "zod";
import { QueryInt, TimeMs } from "./common.js";

/**
 * Desktop chat: conversations and their messages. A conversation is private to its author:
 * every route answers about the caller's own conversations only (the owner included), and
 * another member's conversation id gets the same 404 as an id that does not exist.
 */

/** Search snippets wrap each matched term in these two control characters (STX … ETX). */
export const SNIPPET_MATCH_START = "\u0002";
export const SNIPPET_MATCH_END = "\u0003";

export const MessageRole = z.enum(["user", "assistant", "system"]);
export type MessageRole = z.infer<typeof MessageRole>;

const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const ModelId = z.string().trim().min(1).max(200);
/** Long enough for a pasted file; the server's body limit caps a request as a whole. */
const Content = z.string().max(1_000_000);

export const MessageErrorDto = z.object({
  /** The API's error code (`insufficient_quota`, `model_not_found`…) or null when it had none. */
  code: z.string().nullable(),
  message: z.string(),
});
export type MessageErrorDto = z.infer<typeof MessageErrorDto>;

export const MessageDto = z.object({
  id: z.string(),
  conversation_id: z.string(),
  /** 0-based order within the conversation; contiguous. */
  position: Count,
  role: MessageRole,
  content: z.string(),
  /** The model that answered (assistant messages). */
  model: z.string().nullable(),
  /** `x-request-id` of the completion that produced this message: its usage rows. */
  request_id: z.string().nullable(),
  /** As the API reported them; filled from the ledger when the stream ended without usage. */
  prompt_tokens: Count.nullable(),
  completion_tokens: Count.nullable(),
  /** What the ledger charged for `request_id` (every attempt); null until it has settled. */
  cost_micros: Count.nullable(),
  /** Time to first token, as the client measured it. */
  ttft_ms: Count.nullable(),
  duration_ms: Count.nullable(),
  tokens_per_s: z.number().nonnegative().nullable(),
  /** `stop`, `length`, `aborted` (the user pressed Stop), `error`… */
  finish_reason: z.string().nullable(),
  error: MessageErrorDto.nullable(),
  created_ms: TimeMs,
});
export type MessageDto = z.infer<typeof MessageDto>;

export const ConversationDto = z.object({
  id: z.string(),
  title: z.string(),
  system_prompt: z.string(),
  /** The model picked for the next message, if any. */
  model: z.string().nullable(),
  message_count: Count,
  created_ms: TimeMs,
  /** The last change (a message, a rename); lists are ordered by it, newest first. */
  updated_ms: TimeMs,
});
export type ConversationDto = z.infer<typeof ConversationDto>;

/** A list entry: with `q`, `snippet` is the best match with its terms marked; else null. */
export const ConversationSummaryDto = ConversationDto.extend({ snippet: z.string().nullable() });
export type ConversationSummaryDto = z.infer<typeof ConversationSummaryDto>;

export const ConversationWithMessagesDto = ConversationDto.extend({
  messages: z.array(MessageDto),
});
export type ConversationWithMessagesDto = z.infer<typeof ConversationWithMessagesDto>;

/**
 * `GET /manage/v1/conversations`: the caller's conversations, most recently changed first,
 * `limit` (default 50) per page; `cursor` is the previous page's `next_cursor`. With `q`, only
 * conversations whose title or messages contain every word of `q` (word prefixes match).
 */
export const ConversationListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  limit: QueryInt(1, 200).default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "must be a next_cursor from a previous page")
    .optional(),
});
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;

export const ConversationPageDto = z.object({
  object: z.literal("list"),
  data: z.array(ConversationSummaryDto),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
export type ConversationPageDto = z.infer<typeof ConversationPageDto>;

/** A message to append. Metrics are the client's measurements; usage is what the API returned. */
export const NewMessageBody = z.strictObject({
  role: MessageRole,
  content: Content,
  model: ModelId.optional(),
  request_id: z.string().min(1).max(100).optional(),
  prompt_tokens: Count.optional(),
  completion_tokens: Count.optional(),
  ttft_ms: Count.optional(),
  duration_ms: Count.optional(),
  tokens_per_s: z.number().nonnegative().max(1e9).optional(),
  finish_reason: z.string().min(1).max(40).optional(),
  error: z
    .strictObject({
      code: z.string().max(100).nullable(),
      message: z.string().max(2000),
    })
    .optional(),
});
export type NewMessageBody = z.infer<typeof NewMessageBody>;

/** `POST /manage/v1/conversations`. Title defaults to "New chat"; `messages` may start it. */
export const CreateConversationBody = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  system_prompt: z.string().max(100_000).optional(),
  model: ModelId.optional(),
  messages: z.array(NewMessageBody).max(100).optional(),
});
export type CreateConversationBody = z.infer<typeof CreateConversationBody>;

/** `PATCH /manage/v1/conversations/{id}`: at least one field; `model: null` clears it. */
export const UpdateConversationBody = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  system_prompt: z.string().max(100_000).optional(),
  model: ModelId.nullable().optional(),
});
export type UpdateConversationBody = z.infer<typeof UpdateConversationBody>;

/** `POST /manage/v1/conversations/{id}/messages`: appended in order after the last one. */
export const AppendMessagesBody = z.strictObject({
  messages: z.array(NewMessageBody).min(1).max(100),
});
export type AppendMessagesBody = z.infer<typeof AppendMessagesBody>;

export const MessageListDto = z.object({
  object: z.literal("list"),
  data: z.array(MessageDto),
});
export type MessageListDto = z.infer<typeof MessageListDto>;

/**
 * `POST /manage/v1/conversations/{id}/truncate`: removes `from_message_id` and every later
 * message (edit-and-resend, regenerate); answers the conversation as it is afterwards.
 */
export const TruncateConversationBody = z.strictObject({
  from_message_id: z.string().min(1).max(100),
});
export type TruncateConversationBody = z.infer<typeof TruncateConversationBody>;

export const DeletedConversationDto = z.object({
  id: z.string(),
  object: z.literal("conversation"),
  deleted: z.literal(true),
});
export type DeletedConversationDto = z.infer<typeof DeletedConversationDto>;
