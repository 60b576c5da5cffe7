import OpenAI from "openai";
import type { ChatRequest, GenerationEvent } from "../../gateway/types.js";
import { parseRetryAfter, type UpstreamFailure } from "../../pools/errorClass.js";
import type { Connection } from "../../store/connectionsRepo.js";
import { ClientCache } from "../clientCache.js";

/** A call to one upstream: which connection, which of its keys (decrypted), which model. */
export interface UpstreamCall {
  connection: Connection;
  keyId: string;
  apiKey: string;
  upstreamModel: string;
}

/**
 * An upstream failed. `failure` classifies it for failover (status, code/type, transport kind,
 * whether the client already had bytes); `message` is safe to show the caller (the upstream's
 * own message, which never contains our key: only the upstream knows it).
 */
export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

/** Upstream request timeout. Defaults to 600 s: long generations are normal. */
const TIMEOUT_MS = 600_000;

/**
 * The OpenAI-compatible adapter (OpenAI, Groq, OpenRouter, vLLM, llama-server…): the official
 * `openai` SDK as the upstream client, retries off (failover is the pool's job, counted once),
 * one SDK client per connection key. The upstream is always streamed, with
 * `stream_options.include_usage`, so usage arrives in the last chunk and time to first token is
 * real whether or not the caller streams.
 */
export class OpenAiCompatibleAdapter {
  private readonly clients = new ClientCache(
    (call) =>
      new OpenAI({
        apiKey: call.apiKey,
        // Never the server's OPENAI_ORG_ID / OPENAI_PROJECT_ID: they would reach every upstream.
        organization: null,
        project: null,
        baseURL: call.connection.baseUrl,
        maxRetries: 0,
        timeout: TIMEOUT_MS,
        defaultHeaders: call.connection.headers,
      }),
  );

  /** Forgets cached clients of a connection (its URL, headers or keys changed). */
  forget(connectionId: string): void {
    this.clients.forget(connectionId);
  }

  async *chat(
    call: UpstreamCall,
    req: ChatRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    // Tool calls in answers are not streamed back through Benchtop yet: refuse, never drop them.
    if (Array.isArray(req.body?.tools) && req.body.tools.length > 0)
      throw new UpstreamError(
        { status: 400, type: "invalid_request_error", kind: "http", afterFirstByte: false },
        "Tool calling through Benchtop pools is not supported yet.",
      );
    const body: Record<string, unknown> = {
      ...(req.body ?? { messages: req.messages }),
      model: call.upstreamModel,
      stream: true,
      stream_options: { include_usage: true },
    };
    const cap = req.sampling.maxTokensCap;
    if (cap !== undefined) {
      // A member's max_tokens limit lowers whichever field the client used.
      const field =
        body.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
      const asked = body[field];
      body[field] = typeof asked === "number" ? Math.min(asked, cap) : cap;
    }
    let started = false;
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    try {
      const stream = await this.clients
        .get(call)
        .chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, {
          signal,
        });
      for await (const chunk of stream) {
        chunks++;
        if (!started) {
          started = true;
          // Prompt tokens are known only at the end (the estimate serves if the stream breaks).
          yield { type: "started", promptTokens: promptEstimate(req), cachedTokens: 0 };
        }
        // Usage may come in the last chunk with empty choices or with the last content chunk.
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          yield { type: "delta", text: delta };
        }
      }
    } catch (err) {
      throw toUpstreamError(err, started, signal);
    }
    if (!started) yield { type: "started", promptTokens: promptEstimate(req), cachedTokens: 0 };
    // An explicit 0 is a real count; only missing usage is estimated.
    const estimated = usage === undefined;
    yield {
      type: "done",
      text,
      finishReason: finish === "length" ? "length" : signal.aborted ? "abort" : "stop",
      usage: usage
        ? {
            promptTokens: usage.prompt_tokens,
            completionTokens: usage.completion_tokens,
            cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
          }
        : estimateUsage(req, text, chunks),
      source: estimated ? "estimate" : "provider",
      servedBy: { provider: call.connection.id, model: call.upstreamModel },
    };
  }
}

/**
 * Usage when the upstream reported none: ~4 characters per token for the prompt (the messages'
 * text) and the completion, never less than one token per streamed chunk. Flagged `estimated`.
 */
const promptEstimate = (req: ChatRequest) =>
  Math.max(1, Math.ceil(req.messages.reduce((n, m) => n + m.content.length, 0) / 4));

function estimateUsage(req: ChatRequest, text: string, chunks: number) {
  return {
    promptTokens: promptEstimate(req),
    completionTokens: Math.max(chunks > 0 ? chunks - 1 : 0, Math.ceil(text.length / 4)),
    cachedTokens: 0,
  };
}

/** The SDK's errors as failover facts. Never reads the message to decide anything. */
export function toUpstreamError(err: unknown, afterFirstByte: boolean, signal: AbortSignal): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err));
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return new UpstreamError({ kind: "timeout", afterFirstByte }, "The upstream timed out.");
  if (err instanceof OpenAI.APIConnectionError)
    return new UpstreamError(
      { kind: "connect", afterFirstByte },
      "The upstream could not be reached.",
    );
  if (err instanceof OpenAI.APIError) {
    const body = (err.error ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
    const retryAfterMs = err.headers ? parseRetryAfter(err.headers, Date.now()) : undefined;
    return new UpstreamError(
      {
        kind: "http",
        ...(err.status !== undefined ? { status: err.status } : {}),
        code: typeof body.code === "string" ? body.code : null,
        type: typeof body.type === "string" ? body.type : null,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        afterFirstByte,
      },
      typeof body.message === "string" ? body.message : `The upstream answered ${err.status}.`,
    );
  }
  // A stream the SDK could not parse (malformed SSE), or anything else mid-flight.
  return new UpstreamError(
    { kind: "malformed", afterFirstByte },
    "The upstream sent an answer that could not be read.",
  );
}
