import { z } from "zod";

/**
 * OpenAI Responses API request bodies (`POST /v1/responses`). As for chat completions, fields
 * Benchtop acts on are checked strictly and unknown fields pass (`looseObject`). Input items and
 * tools are checked one by one in responses/request.ts, so that an item or tool type Benchtop
 * does not serve is refused by name (`input[3].type`, `tools[0].type`) rather than as a failed
 * union match.
 */

/** OpenAI caps `max_output_tokens` by the model; this bound only keeps numbers sane (2^31 − 1). */
const MaxTokens = z.number().int().min(1).max(2_147_483_647);

/** Any object with a string `type` (a tool, an input item, a content part): checked later. */
const Typed = z.looseObject({ type: z.string().optional() });

export const TextFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);
export type TextFormat = z.infer<typeof TextFormat>;

export const ResponsesToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.string(), name: z.string().optional() }),
]);

export const ResponsesBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(Typed)]),
  instructions: z.string().nullish(),
  max_output_tokens: MaxTokens.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(Typed).max(512).nullish(),
  tool_choice: ResponsesToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z
    .looseObject({
      format: TextFormat.nullish(),
      verbosity: z.enum(["low", "medium", "high"]).nullish(),
    })
    .nullish(),
  /** OpenAI's default is true: the response is stored and can be continued or retrieved. */
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).max(128).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullish(),
  reasoning: z
    .looseObject({
      effort: z.string().nullish(),
      summary: z.string().nullish(),
      generate_summary: z.string().nullish(),
    })
    .nullish(),
  include: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  prompt_cache_key: z.string().nullish(),
  background: z.boolean().nullish(),
  truncation: z.enum(["auto", "disabled"]).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  max_tool_calls: z.number().int().min(1).nullish(),
  user: z.string().optional(),
  safety_identifier: z.string().nullish(),
  service_tier: z.string().nullish(),
});
export type ResponsesBody = z.infer<typeof ResponsesBody>;

/** Input content parts; `input_file` and file ids are refused in request.ts. */
export const InputPart = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("input_text"), text: z.string() }),
  z.looseObject({ type: z.literal("output_text"), text: z.string() }),
  z.looseObject({ type: z.literal("refusal"), refusal: z.string() }),
  z.looseObject({
    type: z.literal("input_image"),
    image_url: z.string().nullish(),
    file_id: z.string().nullish(),
    detail: z.string().nullish(),
  }),
  z.looseObject({ type: z.literal("input_file") }),
]);
export type InputPart = z.infer<typeof InputPart>;

export const MessageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(InputPart)]),
  id: z.string().optional(),
  status: z.string().nullish(),
});
export type MessageItem = z.infer<typeof MessageItem>;

export const FunctionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().optional(),
  status: z.string().nullish(),
});
export type FunctionCallItem = z.infer<typeof FunctionCallItem>;

export const FunctionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(InputPart)]),
  id: z.string().nullish(),
  status: z.string().nullish(),
});
export type FunctionCallOutputItem = z.infer<typeof FunctionCallOutputItem>;

export const FunctionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
