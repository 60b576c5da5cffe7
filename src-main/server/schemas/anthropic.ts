import { z } from "zod";

/**
 * Anthropic Messages API request bodies. Fields Benchtop acts on are checked strictly; unknown
 * fields pass (`looseObject`), as Anthropic adds fields often and rejecting them breaks clients.
 */

export const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string() });

/** `base64` (with its media type) or `url` (fetched by the upstream). */
const ImageSourceParam = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("base64"), media_type: z.string().min(1), data: z.string() }),
  z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
]);
export const ImageBlock = z.looseObject({ type: z.literal("image"), source: ImageSourceParam });

/** A tool call of an earlier assistant turn. */
export const ToolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});

/** A tool's result: a string, or text and image blocks; `is_error` when the tool failed. */
export const ToolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion("type", [TextBlock, ImageBlock]))])
    .optional(),
  is_error: z.boolean().optional(),
});

/** Block types a client may send that Benchtop cannot take: refused by name, never dropped. */
const UNSUPPORTED_BLOCKS = [
  "document",
  "search_result",
  "server_tool_use",
  "web_search_tool_result",
  "container_upload",
] as const;
/** The model's own earlier reasoning: Anthropic drops it from earlier turns, and so do we. */
const DROPPED_BLOCKS = ["thinking", "redacted_thinking"] as const;

const ContentBlock = z.discriminatedUnion("type", [
  TextBlock,
  ImageBlock,
  ToolUseBlock,
  ToolResultBlock,
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

/** A tool the model may call; `input_schema` is its arguments' JSON schema. */
export const Tool = z.looseObject({
  type: z.string().optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
});
export type Tool = z.infer<typeof Tool>;

/** `disable_parallel_tool_use`: at most one tool call per answer. */
const ToolChoiceParam = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.enum(["auto", "any"]),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal("none") }),
  z.looseObject({
    type: z.literal("tool"),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);
export type ToolChoiceParam = z.infer<typeof ToolChoiceParam>;

/** The input both `/v1/messages` and `/v1/messages/count_tokens` take. */
const InputFields = {
  model: z.string().min(1).max(256),
  messages: z.array(MessageParam).min(1),
  system: SystemParam.optional(),
  /** Client tools (no `type`, or `custom`); Anthropic's server tools are refused by type. */
  tools: z.array(Tool).max(512).optional(),
  tool_choice: ToolChoiceParam.optional(),
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
