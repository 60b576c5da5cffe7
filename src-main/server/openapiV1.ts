import { z } from "zod";
import { HealthDto, ModelDto, ModelListDto } from "../contract/index.js";
import { ChatCompletionBody, CompletionBody, EmbeddingsBody } from "./schemas/openai.js";

/** The /v1 surface (and the unauthenticated documents) for the OpenAPI document. */
export interface DocumentedRoute {
  method: "get" | "post";
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
];
