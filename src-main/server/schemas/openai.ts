import { z } from "zod";

/**
 * OpenAI request bodies. Fields Benchtop acts on are checked strictly; unknown fields pass
 * (`looseObject`), because OpenAI adds fields often and rejecting them breaks real clients.
 */

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: z.string() }),
});
const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart]);
const Content = z.union([z.string(), z.array(ContentPart)]);

/** A call the model made earlier, as the client sends it back. */
const ToolCallParam = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

export const ChatMessage = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: Content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content: Content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("user"), content: Content, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: Content.nullish(),
    name: z.string().optional(),
    tool_calls: z.array(ToolCallParam).nullish(),
  }),
  z.looseObject({ role: z.literal("tool"), content: Content, tool_call_id: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

/** OpenAI caps `max_tokens` by the model; this bound only keeps numbers sane (2^31 − 1). */
const MaxTokens = z.number().int().min(1).max(2_147_483_647);
const Stop = z.union([z.string(), z.array(z.string()).max(4)]);

const Sampling = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().min(-9_007_199_254_740_991).max(9_007_199_254_740_991).nullish(),
  stop: Stop.nullish(),
  /** Only one choice is generated; `n > 1` is refused rather than silently ignored. */
  n: z.literal(1, { error: "Only n = 1 is supported" }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
};

export const ResponseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** A function tool; `parameters` absent means a function without arguments. */
export const FunctionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

/** `none`, `auto`, `required`, or one named function. */
export const ToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({
    type: z.literal("function"),
    function: z.looseObject({ name: z.string().min(1) }),
  }),
]);

export const ChatCompletionBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  max_tokens: MaxTokens.nullish(),
  max_completion_tokens: MaxTokens.nullish(),
  response_format: ResponseFormat.nullish(),
  tools: z.array(FunctionTool).max(512).nullish(),
  tool_choice: ToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  ...Sampling,
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

export const CompletionBody = z.looseObject({
  model: z.string().min(1),
  /** A string, one string in an array, or one token array. */
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, { error: "Only one prompt per request is supported" }),
    z.array(z.number().int().min(0)).min(1),
  ]),
  /** OpenAI's default for legacy completions is 16. */
  max_tokens: MaxTokens.nullish(),
  echo: z.boolean().nullish(),
  suffix: z.null().optional(),
  best_of: z.literal(1, { error: "Only best_of = 1 is supported" }).nullish(),
  ...Sampling,
});
export type CompletionBody = z.infer<typeof CompletionBody>;

export const EmbeddingsBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int().min(0)).min(1),
    z
      .array(z.array(z.number().int().min(0)).min(1))
      .min(1)
      .max(2048),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBody>;
