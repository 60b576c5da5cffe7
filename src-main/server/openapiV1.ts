import { z } from "zod";
import { HealthDto, ModelDto, ModelListDto } from "../contract/index.js";
import { CountTokensBody, MessagesBody } from "./schemas/anthropic.js";
import { ChatCompletionBody, CompletionBody, EmbeddingsBody } from "./schemas/openai.js";
import { ResponsesBody } from "./schemas/responses.js";

/** The /v1 surface (and the unauthenticated documents) for the OpenAPI document. */
export interface DocumentedRoute {
  method: "get" | "post" | "delete";
  /** Express path, e.g. `/v1/models/*id`. */
  path: string;
  summary: string;
  tag: string;
  /** False for routes anyone may call. */
  authenticated: boolean;
  body?: z.ZodType;
  response: z.ZodType;
  /** Also answers `text/event-stream` when the body asks for `stream: true`. */
  streams?: boolean;
  /** Errors in Anthropic's shape (`/v1/messages`) instead of OpenAI's. */
  anthropicErrors?: boolean;
}

const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }).optional(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});
const FinishReason = z.enum(["stop", "length"]).nullable();

const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal("assistant"),
        content: z.string(),
        refusal: z.null(),
      }),
      logprobs: z.null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: Usage,
});

/** The Responses API's `response` object (responses/format.ts), its main fields. */
const ResponseObject = z.looseObject({
  id: z.string(),
  object: z.literal("response"),
  created_at: z.number().int(),
  status: z.enum(["in_progress", "completed", "incomplete", "failed"]),
  model: z.string(),
  output: z.array(z.looseObject({ id: z.string(), type: z.enum(["message", "function_call"]) })),
  output_text: z.string(),
  previous_response_id: z.string().nullable(),
  store: z.boolean(),
  usage: z
    .object({
      input_tokens: z.number().int(),
      input_tokens_details: z.object({ cached_tokens: z.number().int() }),
      output_tokens: z.number().int(),
      output_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
      total_tokens: z.number().int(),
    })
    .nullable(),
});

const TextCompletion = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      text: z.string(),
      index: z.number().int(),
      logprobs: z.null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: Usage,
});

const EmbeddingList = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      object: z.literal("embedding"),
      index: z.number().int(),
      /** Float array, or base64 little-endian float32 with `encoding_format: "base64"`. */
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
});

const AnthropicUsage = z.object({
  input_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
});

const AnthropicMessage = z.object({
  id: z.string(),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string(),
  content: z.array(z.object({ type: z.literal("text"), text: z.string() })),
  stop_reason: z.enum(["end_turn", "max_tokens", "stop_sequence"]),
  stop_sequence: z.string().nullable(),
  usage: AnthropicUsage,
});

/** Anthropic's error body, on `/v1/messages` routes. */
export const AnthropicErrorBody = z.object({
  type: z.literal("error"),
  error: z.object({ type: z.string(), message: z.string() }),
  request_id: z.string().optional(),
});

export const v1Routes: readonly DocumentedRoute[] = [
  {
    method: "get",
    path: "/health",
    summary: "Liveness and coarse engine state",
    tag: "health",
    authenticated: false,
    response: HealthDto,
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tag: "health",
    authenticated: false,
    response: z.record(z.string(), z.unknown()),
  },
  {
    method: "get",
    path: "/v1/models",
    summary: "Models the caller may use",
    tag: "openai",
    authenticated: true,
    response: ModelListDto,
  },
  {
    method: "get",
    path: "/v1/models/*id",
    summary: "One model (ids may contain '/')",
    tag: "openai",
    authenticated: true,
    response: ModelDto,
  },
  {
    method: "post",
    path: "/v1/chat/completions",
    summary: "Chat completion (OpenAI-compatible)",
    tag: "openai",
    authenticated: true,
    body: ChatCompletionBody,
    response: ChatCompletion,
    streams: true,
  },
  {
    method: "post",
    path: "/v1/completions",
    summary: "Text completion (OpenAI's legacy API)",
    tag: "openai",
    authenticated: true,
    body: CompletionBody,
    response: TextCompletion,
    streams: true,
  },
  {
    method: "post",
    path: "/v1/embeddings",
    summary: "Embeddings",
    tag: "openai",
    authenticated: true,
    body: EmbeddingsBody,
    response: EmbeddingList,
  },
  {
    method: "post",
    path: "/v1/responses",
    summary: "Response (OpenAI's Responses API)",
    tag: "openai",
    authenticated: true,
    body: ResponsesBody,
    response: ResponseObject,
    streams: true,
  },
  {
    method: "get",
    path: "/v1/responses/:id",
    summary: "One of the caller's stored responses",
    tag: "openai",
    authenticated: true,
    response: ResponseObject,
  },
  {
    method: "delete",
    path: "/v1/responses/:id",
    summary: "Deletes one of the caller's stored responses",
    tag: "openai",
    authenticated: true,
    response: z.object({ id: z.string(), object: z.literal("response"), deleted: z.literal(true) }),
  },
  {
    method: "post",
    path: "/v1/messages",
    summary: "Message (Anthropic-compatible)",
    tag: "anthropic",
    authenticated: true,
    body: MessagesBody,
    response: AnthropicMessage,
    streams: true,
    anthropicErrors: true,
  },
  {
    method: "post",
    path: "/v1/messages/count_tokens",
    summary: "Input tokens of a message request (Anthropic-compatible; not metered)",
    tag: "anthropic",
    authenticated: true,
    body: CountTokensBody,
    response: z.object({ input_tokens: z.number().int() }),
    anthropicErrors: true,
  },
];
