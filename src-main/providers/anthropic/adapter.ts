import Anthropic from "@anthropic-ai/sdk";
import type { ChatRequest, GenerationEvent, ThinkingBlock } from "../../gateway/types.js";
import { droppedFromOpenAi } from "../../gateway/dropped.js";
import { invalidRequest } from "../../gateway/errors.js";
import { ClientCache } from "../clientCache.js";
import { conversationOf, ToolCallAssembly } from "../conversation.js";
import {
  roughPromptTokens,
  settlementCompletionTokens,
  settlementPromptTokens,
} from "../tokenEstimate.js";
import { anthropicInput } from "./toAnthropic.js";
import { UpstreamError, type UpstreamCall } from "../openaiCompatible/adapter.js";
import { upstreamFailure } from "../openaiCompatible/failures.js";
import type { Scrub } from "../scrubSecrets.js";
import { upstreamModelVersion } from "../modelVersion.js";

/** Upstream request timeout. Defaults to 600 s: long generations are normal. */
const TIMEOUT_MS = 600_000;
/**
 * Anthropic requires max_tokens; a request without one (and without a member limit) asks for
 * this many. Defaults to 4096.
 */
const DEFAULT_MAX_TOKENS = 4096;

/**
 * The Anthropic adapter: chat requests become Messages API calls through the official
 * `@anthropic-ai/sdk` (retries off: failover is the pool's), always streamed; usage comes from
 * message_start (input, cache reads) and message_delta (output); missing usage is counted with
 * gpt-tokenizer and flagged `estimated`.
 * A request that came in as Anthropic's (`anthropicBody`) is sent as the client wrote it, with
 * its `anthropic-beta` and `anthropic-version` headers (same-family pass-through: cache_control,
 * thinking, metadata, top_k and unknown fields reach the upstream). Any other is translated from
 * the neutral conversation (toAnthropic.ts): system, images, tools, tool_choice, tool calls and
 * results, OpenAI's `user` as `metadata.user_id`; what cannot be translated is reported as
 * dropped. `tool_use` blocks stream back as `tool_call` events, `thinking` and
 * `redacted_thinking` blocks as `thinking` events (with their signatures); cache reads and writes
 * are reported apart.
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
        defaultHeaders: { ...call.headers, "x-api-key": call.apiKey },
      }),
  );

  /** Forgets cached clients of a connection (its URL, headers or keys changed). */
  forget(connectionId: string): void {
    this.clients.forget(connectionId);
  }

  /**
   * Prompt tokens of `req` as the upstream counts them (`messages.countTokens`, not billed). An
   * Anthropic request is counted as written (its blocks, tools and thinking setting as sent).
   */
  async countTokens(call: UpstreamCall, req: ChatRequest, signal: AbortSignal): Promise<number> {
    const { system, messages, tools, tool_choice } = req.anthropicBody
      ? (pick(req.anthropicBody, COUNTED) as ReturnType<typeof anthropicInput>)
      : anthropicInput(conversationOf(req));
    const thinking = req.anthropicBody?.thinking as Anthropic.ThinkingConfigParam | undefined;
    try {
      const counted = await this.clients.get(call).messages.countTokens(
        {
          model: call.upstreamModel,
          messages,
          ...(system ? { system } : {}),
          ...(tools ? { tools } : {}),
          ...(tool_choice ? { tool_choice } : {}),
          ...(thinking ? { thinking } : {}),
        },
        { signal, headers: clientHeaders(req, call.headers) },
      );
      return counted.input_tokens;
    } catch (err) {
      throw toUpstreamError(err, false, signal, call.scrub);
    }
  }

  async *chat(
    call: UpstreamCall,
    req: ChatRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    const conv = conversationOf(req);
    // Anthropic's API has no token probabilities: refused rather than answered without them.
    if (req.body?.logprobs === true)
      throw invalidRequest(
        "logprobs are not available from Anthropic upstreams.",
        "logprobs",
        "unsupported_parameter",
      );
    // Refused rather than dropped: an answer that ignored the schema would look like a success.
    if (conv.responseFormat)
      throw invalidRequest(
        "Structured output (text.format) is not supported by Anthropic upstreams.",
        "text.format",
        "unsupported_parameter",
      );
    const s = req.sampling;
    const maxTokens = Math.min(s.maxTokens ?? DEFAULT_MAX_TOKENS, s.maxTokensCap ?? Infinity);
    const user = req.body?.user;
    const params: Anthropic.MessageCreateParamsStreaming = req.anthropicBody
      ? ({
          ...req.anthropicBody,
          model: call.upstreamModel,
          max_tokens: maxTokens,
          stream: true,
        } as unknown as Anthropic.MessageCreateParamsStreaming)
      : {
          model: call.upstreamModel,
          max_tokens: maxTokens,
          ...anthropicInput(conv),
          stream: true,
          // Anthropic's temperature range is 0–1 (OpenAI's 0–2).
          ...(conv.temperature !== undefined ? { temperature: Math.min(1, conv.temperature) } : {}),
          ...(conv.topP !== undefined ? { top_p: conv.topP } : {}),
          ...(s.stop.length > 0 ? { stop_sequences: s.stop } : {}),
          ...(typeof user === "string" && user !== "" ? { metadata: { user_id: user } } : {}),
        };
    const dropped = req.anthropicBody ? [] : droppedFromOpenAi(req);
    let started = false;
    let text = "";
    let input: number | undefined;
    let cached = 0;
    let written = 0;
    let output: number | undefined;
    /** The answer's thinking blocks, and the one being streamed (by content block index). */
    const thinking: ThinkingBlock[] = [];
    const thinkingBlocks = new Map<number, ThinkingBlock & { type: "thinking" }>();
    let stop: string | null = null;
    let stopSequence: string | null = null;
    /** `message.model` of message_start: the model that answered, as Anthropic names it. */
    let modelVersion: string | undefined;
    const tools = new ToolCallAssembly();
    /** Content block index → tool call index, and whether the call got any arguments. */
    const toolBlocks = new Map<number, { index: number; args: boolean }>();
    try {
      const stream = await this.clients
        .get(call)
        .messages.create(params, { signal, headers: clientHeaders(req, call.headers) });
      for await (const event of stream) {
        if (event.type === "message_start") {
          // Anthropic's input_tokens excludes cache reads and writes; Benchtop's prompt count
          // (like OpenAI's) includes them, with the cache reads as `cached` and the writes as
          // `cacheWriteTokens` (each settled at its own rate).
          modelVersion = upstreamModelVersion(event.message.model, call.scrub);
          const u = event.message.usage as Anthropic.Usage | undefined;
          if (u) {
            cached = u.cache_read_input_tokens ?? 0;
            written = u.cache_creation_input_tokens ?? 0;
            input = u.input_tokens + cached + written;
          }
          started = true;
          yield {
            type: "started",
            promptTokens: input ?? roughPromptTokens(conv),
            cachedTokens: cached,
            ...(written > 0 ? { cacheWriteTokens: written } : {}),
            ...(dropped.length > 0 ? { dropped } : {}),
          };
        } else if (
          event.type === "content_block_start" &&
          event.content_block.type === "thinking"
        ) {
          const block = { type: "thinking" as const, thinking: "", signature: "" };
          thinking.push(block);
          thinkingBlocks.set(event.index, block);
          yield { type: "thinking", part: "start" };
        } else if (
          event.type === "content_block_start" &&
          event.content_block.type === "redacted_thinking"
        ) {
          thinking.push({ type: "redacted_thinking", data: event.content_block.data });
          yield { type: "thinking", part: "redacted", data: event.content_block.data };
        } else if (
          event.type === "content_block_start" &&
          event.content_block.type === "tool_use"
        ) {
          const { id, name } = event.content_block;
          toolBlocks.set(event.index, { index: tools.start(id, name), args: false });
          yield { type: "tool_call", index: tools.calls.length - 1, id, name, argumentsDelta: "" };
        } else if (event.type === "content_block_delta") {
          if (event.delta.type === "text_delta") {
            text += event.delta.text;
            yield { type: "delta", text: event.delta.text };
          } else if (event.delta.type === "thinking_delta") {
            const block = thinkingBlocks.get(event.index);
            if (block) {
              block.thinking += event.delta.thinking;
              yield { type: "thinking", part: "text", text: event.delta.thinking };
            }
          } else if (event.delta.type === "signature_delta") {
            const block = thinkingBlocks.get(event.index);
            if (block) {
              block.signature += event.delta.signature;
              yield { type: "thinking", part: "signature", signature: event.delta.signature };
            }
          } else if (event.delta.type === "input_json_delta") {
            const block = toolBlocks.get(event.index);
            const fragment = event.delta.partial_json;
            if (block && fragment !== "") {
              block.args = true;
              tools.append(block.index, fragment);
              yield { type: "tool_call", index: block.index, argumentsDelta: fragment };
            }
          }
        } else if (event.type === "content_block_stop") {
          // A call without arguments streams no JSON: OpenAI clients need "{}" to parse.
          const block = toolBlocks.get(event.index);
          if (block && !block.args) {
            tools.append(block.index, "{}");
            yield { type: "tool_call", index: block.index, argumentsDelta: "{}" };
          }
        } else if (event.type === "message_delta") {
          output = event.usage?.output_tokens ?? undefined;
          // Newer API versions repeat the input counts here, cumulative: the last word.
          const u = event.usage as Partial<Anthropic.MessageDeltaUsage> | undefined;
          if (u && typeof u.input_tokens === "number") {
            cached = u.cache_read_input_tokens ?? cached;
            written = u.cache_creation_input_tokens ?? written;
            input = u.input_tokens + cached + written;
          }
          stop = event.delta.stop_reason;
          stopSequence = event.delta.stop_sequence;
        }
      }
    } catch (err) {
      throw toUpstreamError(err, started, signal, call.scrub);
    }
    if (!started)
      yield {
        type: "started",
        promptTokens: 0,
        cachedTokens: 0,
        ...(dropped.length > 0 ? { dropped } : {}),
      };
    const estimated = input === undefined || output === undefined;
    yield {
      type: "done",
      text,
      finishReason: stop === "max_tokens" ? "length" : signal.aborted ? "abort" : "stop",
      ...(stop === "stop_sequence" && stopSequence !== null ? { stopSequence } : {}),
      ...(tools.calls.length > 0 ? { toolCalls: tools.calls, toolUse: stop === "tool_use" } : {}),
      ...(thinking.length > 0 ? { thinking } : {}),
      usage: {
        promptTokens: input ?? (await settlementPromptTokens(conv, call.upstreamModel)),
        completionTokens:
          output ?? (await settlementCompletionTokens(text, tools.calls, call.upstreamModel)),
        cachedTokens: cached,
        ...(written > 0 ? { cacheWriteTokens: written } : {}),
      },
      source: estimated ? "estimate" : "provider",
      servedBy: { provider: call.connection.id, model: call.upstreamModel },
      ...(modelVersion !== undefined ? { modelVersion } : {}),
    };
  }
}

/** The Messages body fields `messages.countTokens` takes of a pass-through request. */
const COUNTED = ["messages", "system", "tools", "tool_choice"] as const;

function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
}

/**
 * The client's `anthropic-beta` and `anthropic-version` headers for a pass-through request. The
 * client's beta features join the connection's own (`anthropic-beta` is a comma-separated list);
 * its version replaces the connection's or the SDK's.
 */
function clientHeaders(
  req: ChatRequest,
  connection: Record<string, string>,
): Record<string, string> | undefined {
  const h = req.anthropicBody ? req.anthropicHeaders : undefined;
  if (!h) return undefined;
  const own = Object.entries(connection).find(([k]) => k.toLowerCase() === "anthropic-beta")?.[1];
  const beta = [
    ...new Set(
      [own, h.beta].flatMap((v) => (v ?? "").split(",").map((x) => x.trim())).filter(Boolean),
    ),
  ].join(",");
  return {
    ...(beta ? { "anthropic-beta": beta } : {}),
    ...(h.version ? { "anthropic-version": h.version } : {}),
  };
}

/**
 * The SDK's errors as failover facts; Anthropic's spend cap is told apart by its error_code.
 * The message, type and error_code are the upstream's, scrubbed (upstreamFailure).
 */
export function toUpstreamError(
  err: unknown,
  afterFirstByte: boolean,
  signal: AbortSignal,
  scrub: Scrub,
): Error {
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
    return upstreamFailure(
      {
        status: err.status,
        code: err.errorCode,
        type: body.error?.type,
        message: body.error?.message,
        headers: err.headers,
        afterFirstByte,
      },
      scrub,
    );
  }
  return new UpstreamError(
    { kind: "malformed", afterFirstByte },
    "The upstream sent an answer that could not be read.",
  );
}
