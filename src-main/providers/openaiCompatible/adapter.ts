import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import type { ChatRequest, GenerationEvent } from "../../gateway/types.js";
import { parseRetryAfter, type UpstreamFailure } from "../../pools/errorClass.js";
import type { Connection } from "../../store/connectionsRepo.js";
import { ClientCache } from "../clientCache.js";
import { conversationOf, ToolCallAssembly } from "../conversation.js";
import { countCompletionTokens, countPromptTokens, roughPromptTokens } from "../tokenEstimate.js";
import { openAiBody } from "./toOpenAi.js";

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
 * real whether or not the caller streams. Tool calls stream back as `tool_call` events; an
 * upstream that reports no usage is counted with gpt-tokenizer (flagged `estimated`).
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

  /**
   * Prompt tokens of `req` for the call's model. OpenAI-compatible APIs have no counting
   * endpoint, so they are counted here with gpt-tokenizer: exact text counts for OpenAI's own
   * models, an estimate for other families and for tool definitions' hidden formatting.
   */
  countTokens(call: Pick<UpstreamCall, "upstreamModel">, req: ChatRequest): Promise<number> {
    return countPromptTokens(conversationOf(req), call.upstreamModel);
  }

  async *chat(
    call: UpstreamCall,
    req: ChatRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    const body: Record<string, unknown> = {
      ...openAiBody(req),
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
    const conv = conversationOf(req);
    let started = false;
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    /** Chunks that carried content or a piece of a tool call (each at least one token). */
    let pieces = 0;
    const tools = new ToolCalls();
    try {
      const stream = await this.clients
        .get(call)
        .chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, {
          signal,
        });
      for await (const chunk of stream) {
        if (!started) {
          started = true;
          // Prompt tokens are known only at the end (this estimate serves if the stream breaks).
          yield { type: "started", promptTokens: roughPromptTokens(conv), cachedTokens: 0 };
        }
        // Usage may come in the last chunk with empty choices or with the last content chunk.
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        const delta = choice?.delta?.content;
        if (delta) {
          pieces++;
          text += delta;
          yield { type: "delta", text: delta };
        }
        const calls = choice?.delta?.tool_calls ?? [];
        if (calls.length > 0) pieces++;
        for (const piece of calls) {
          const event = tools.take(piece);
          if (event) yield event;
        }
      }
    } catch (err) {
      throw toUpstreamError(err, started, signal);
    }
    if (!started) yield { type: "started", promptTokens: roughPromptTokens(conv), cachedTokens: 0 };
    const toolCalls = tools.assembly.calls;
    yield {
      type: "done",
      text,
      finishReason: finish === "length" ? "length" : signal.aborted ? "abort" : "stop",
      // OpenAI answers `stop` when tool_choice named the function: the calls are to be run anyway.
      ...(toolCalls.length > 0 ? { toolCalls, toolUse: finish !== "length" } : {}),
      // An explicit 0 is a real count; only missing usage is counted here (estimated).
      usage: usage
        ? {
            promptTokens: usage.prompt_tokens,
            completionTokens: usage.completion_tokens,
            cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
          }
        : {
            promptTokens: await countPromptTokens(conv, call.upstreamModel),
            completionTokens: Math.max(
              pieces,
              await countCompletionTokens(text, toolCalls, call.upstreamModel),
            ),
            cachedTokens: 0,
          },
      source: usage ? "provider" : "estimate",
      servedBy: { provider: call.connection.id, model: call.upstreamModel },
    };
  }
}

/**
 * OpenAI's streamed `delta.tool_calls` pieces as `tool_call` events. Calls are numbered in the
 * order they start (upstream indices may start anywhere); a call without an id gets one. OpenAI
 * streams calls one after another: a piece for a call that is no longer the latest would break
 * the event contract (and Anthropic's content blocks), so it ends the stream as unreadable.
 */
class ToolCalls {
  readonly assembly = new ToolCallAssembly();
  private readonly byUpstream = new Map<number, number>();

  take(piece: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall): GenerationEvent | undefined {
    const args = piece.function?.arguments ?? "";
    const known = this.byUpstream.get(piece.index);
    if (known === undefined) {
      const id = piece.id || `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
      const name = piece.function?.name ?? "";
      const index = this.assembly.start(id, name, args);
      this.byUpstream.set(piece.index, index);
      return { type: "tool_call", index, id, name, argumentsDelta: args };
    }
    if (known !== this.assembly.calls.length - 1) throw new Error("tool call pieces interleaved");
    if (args === "") return undefined;
    this.assembly.append(known, args);
    return { type: "tool_call", index: known, argumentsDelta: args };
  }
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
