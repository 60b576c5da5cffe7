import { z } from "zod";

/**
 * Anthropic Messages API request bodies. Fields Benchtop acts on are checked strictly; unknown
 * fields pass (`looseObject`), as Anthropic adds fields often and rejecting them breaks clients.
 */

export const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string() });

/** Block types a client may send that local models cannot take yet: refused by name. */
const UNSUPPORTED_BLOCKS = [
  "image",
  "document",
  "search_result",
  "tool_use",
  "tool_result",
  "server_tool_use",
  "web_search_tool_result",
  "container_upload",
] as const;
/** The model's own earlier reasoning: Anthropic drops it from earlier turns, and so do we. */
const DROPPED_BLOCKS = ["thinking", "redacted_thinking"] as const;

const ContentBlock = z.discriminatedUnion("type", [
  TextBlock,
  ...UNSUPPORTED_BLOCKS.map((type) => z.looseObject({ type: z.literal(type) })),
  ...DROPPED_BLOCKS.map((type) => z.looseObject({ type: z.literal(type) })),
]);
export type ContentBlock = z.infer<typeof ContentBlock>;
export const isDroppedBlock = (b: ContentBlock) =>
  (DROPPED_BLOCKS as readonly string[]).includes(b.type);

/** `system` turns (newer SDKs type them) are system messages where they stand. */
export const MessageParam = z.looseObject({
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(ContentBlock)]),
});
export type MessageParam = z.infer<typeof MessageParam>;

/** A string or text blocks (their `cache_control` is accepted and ignored). */
export const SystemParam = z.union([z.string(), z.array(TextBlock)]);

/** The input both `/v1/messages` and `/v1/messages/count_tokens` take. */
const InputFields = {
  model: z.string().min(1).max(256),
  messages: z.array(MessageParam).min(1),
  system: SystemParam.optional(),
  /** Refused when non-empty: local models take no tools yet. */
  tools: z.array(z.unknown()).optional(),
  tool_choice: z.unknown().optional(),
};

export const MessagesBody = z.looseObject({
  ...InputFields,
  /** Required, as Anthropic's; bounded only to keep numbers sane (2^31 − 1). */
  max_tokens: z.number().int().min(1).max(2_147_483_647),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  /** Accepted and ignored: Benchtop samples with temperature and top_p only. */
  top_k: z.number().int().min(0).optional(),
  /** The matched sequence is not part of the text; `stop_reason` is then `stop_sequence`. */
  stop_sequences: z.array(z.string()).max(64).optional(),
  stream: z.boolean().optional(),
  /** Accepted and ignored (`user_id`). */
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});
export type MessagesBody = z.infer<typeof MessagesBody>;

export const CountTokensBody = z.looseObject(InputFields);
export type CountTokensBody = z.infer<typeof CountTokensBody>;
