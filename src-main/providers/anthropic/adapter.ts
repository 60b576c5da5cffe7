import Anthropic from "@anthropic-ai/sdk";
import type { ChatRequest, GenerationEvent } from "../../gateway/types.js";
import { parseRetryAfter } from "../../pools/errorClass.js";
import { ClientCache } from "../clientCache.js";
import { UpstreamError, type UpstreamCall } from "../openaiCompatible/adapter.js";

/** Upstream request timeout. Defaults to 600 s: long generations are normal. */
const TIMEOUT_MS = 600_000;
/**
 * Anthropic requires max_tokens; a request without one (and without a member limit) asks for
 * this many. Defaults to 4096.
 */
const DEFAULT_MAX_TOKENS = 4096;

/**
 * The Anthropic adapter: chat requests in Benchtop's OpenAI-shaped form become Messages API
 * calls through the official `@anthropic-ai/sdk` (retries off: failover is the pool's), always
 * streamed; usage comes from message_start (input, cache reads) and message_delta (output).
 * Text content for now: tools and images are refused before the call.
 */
export class AnthropicAdapter {
  private readonly clients = new ClientCache(
    (call) =>
      new Anthropic({
        apiKey: call.apiKey,
        baseURL: call.connection.baseUrl,
        maxRetries: 0,
        timeout: TIMEOUT_MS,
        // Anthropic authenticates API keys with x-api-key (the SDK may send a Bearer header).
        defaultHeaders: { ...call.connection.headers, "x-api-key": call.apiKey },
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
    // Tools and images are not translated yet: refused, never silently dropped.
    if (req.unsupportedLocally)
      throw new UpstreamError(
        { status: 400, type: "invalid_request_error", afterFirstByte: false, kind: "http" },
        `Anthropic upstreams do not take this yet: ${req.unsupportedLocally.message}`,
      );
    const system = req.messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n\n");
    const messages = req.messages
      .filter((m) => m.role !== "system")
      .map((m) => ({ role: m.role as "user" | "assistant", content: m.content }));
    const s = req.sampling;
    const maxTokens = Math.min(s.maxTokens ?? DEFAULT_MAX_TOKENS, s.maxTokensCap ?? Infinity);
    const params: Anthropic.MessageCreateParamsStreaming = {
      model: call.upstreamModel,
      max_tokens: maxTokens,
      messages,
      stream: true,
      ...(system ? { system } : {}),
      ...(req.body?.temperature != null ? { temperature: Math.min(1, s.temperature) } : {}),
      ...(req.body?.top_p != null ? { top_p: s.topP } : {}),
      ...(s.stop.length > 0 ? { stop_sequences: s.stop } : {}),
    };
    let started = false;
    let text = "";
    let input = 0;
    let cached = 0;
    let output: number | undefined;
    let stop: string | null = null;
    try {
      const stream = await this.clients.get(call).messages.create(params, { signal });
      for await (const event of stream) {
        if (event.type === "message_start") {
          // Anthropic's input_tokens excludes cache reads and writes; Benchtop's prompt count
          // (like OpenAI's) includes them, with the cache reads as `cached`.
          const u = event.message.usage;
          cached = u.cache_read_input_tokens ?? 0;
          input = u.input_tokens + cached + (u.cache_creation_input_tokens ?? 0);
          started = true;
          yield { type: "started", promptTokens: input, cachedTokens: cached };
        } else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          text += event.delta.text;
          yield { type: "delta", text: event.delta.text };
        } else if (event.type === "message_delta") {
          output = event.usage.output_tokens;
          stop = event.delta.stop_reason;
        }
      }
    } catch (err) {
      throw toUpstreamError(err, started, signal);
    }
    if (!started) yield { type: "started", promptTokens: 0, cachedTokens: 0 };
    yield {
      type: "done",
      text,
      finishReason: stop === "max_tokens" ? "length" : signal.aborted ? "abort" : "stop",
      usage: {
        promptTokens: input,
        completionTokens: output ?? Math.ceil(text.length / 4),
        cachedTokens: cached,
      },
      source: output === undefined ? "estimate" : "provider",
      servedBy: { provider: call.connection.id, model: call.upstreamModel },
    };
  }
}

/** The SDK's errors as failover facts; Anthropic's spend cap is told apart by its error_code. */
export function toUpstreamError(err: unknown, afterFirstByte: boolean, signal: AbortSignal): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err));
  if (err instanceof Anthropic.APIConnectionTimeoutError)
    return new UpstreamError({ kind: "timeout", afterFirstByte }, "The upstream timed out.");
  if (err instanceof Anthropic.APIConnectionError)
    return new UpstreamError(
      { kind: "connect", afterFirstByte },
      "The upstream could not be reached.",
    );
  if (err instanceof Anthropic.APIError) {
    const body = (err.error ?? {}) as { error?: { type?: unknown; message?: unknown } };
    const retryAfterMs = err.headers ? parseRetryAfter(err.headers, Date.now()) : undefined;
    return new UpstreamError(
      {
        kind: "http",
        ...(err.status !== undefined ? { status: err.status } : {}),
        code: err.errorCode,
        type: typeof body.error?.type === "string" ? body.error.type : null,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        afterFirstByte,
      },
      typeof body.error?.message === "string"
        ? body.error.message
        : `The upstream answered ${err.status}.`,
    );
  }
  return new UpstreamError(
    { kind: "malformed", afterFirstByte },
    "The upstream sent an answer that could not be read.",
  );
}
