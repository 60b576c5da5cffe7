import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { ChatRequest, GenerationEvent } from "../../gateway/types.js";
import type { Connection } from "../../store/connectionsRepo.js";
import { conversationOf, ToolCallAssembly } from "../conversation.js";
import {
  countPromptTokens,
  roughPromptTokens,
  settlementCompletionTokens,
  settlementPromptTokens,
} from "../tokenEstimate.js";
import { openAiBody } from "./toOpenAi.js";
import { droppedFromAnthropic } from "../../gateway/dropped.js";
import { events, headerReader, post, readText, TransportError } from "./upstreamHttp.js";
import { httpFailure, malformed, UpstreamError, withFirstByte } from "./failures.js";
import type { Scrub } from "../scrubSecrets.js";
import { upstreamModelVersion } from "../modelVersion.js";

export { UpstreamError, toUpstreamError } from "./failures.js";

/**
 * A call to one upstream: which connection, which of its keys (decrypted), which model, the
 * connection's extra headers (credential ones decrypted), and the scrubber every text the
 * upstream sends back goes through before it leaves the adapter (connectionSecrets.ts).
 */
export interface UpstreamCall {
  connection: Connection;
  keyId: string;
  apiKey: string;
  upstreamModel: string;
  headers: Record<string, string>;
  scrub: Scrub;
}

/** Upstream request timeout. Defaults to 600 s: long generations are normal. */
const TIMEOUT_MS = 600_000;

/** One streamed chat completion chunk, as far as it is read here. */
interface Chunk {
  /** The model that answered, as the upstream names it (untrusted: see modelVersion.ts). */
  model?: unknown;
  choices: {
    delta?: { content?: string | null; tool_calls?: ToolCallPiece[] | null } | null;
    finish_reason?: string | null;
    /** With `logprobs: true` in the request: the chunk's tokens and their log probabilities. */
    logprobs?: { content?: unknown[] | null } | null;
  }[];
  usage?: {
    prompt_tokens: number;
    completion_tokens: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
  } | null;
  error?: unknown;
}

interface ToolCallPiece {
  index: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * The OpenAI-compatible adapter (OpenAI, Groq, OpenRouter, vLLM, llama-server…): one POST to
 * `<baseUrl>/chat/completions` over keep-alive sockets (upstreamHttp.ts), no retries (failover
 * is the pool's job, counted once), the stream read with the `openai` SDK's SSE rules. The
 * upstream is always streamed, with `stream_options.include_usage`, so usage arrives in the
 * last chunk and time to first token is real whether or not the caller streams. Tool calls
 * stream back as `tool_call` events; an upstream that reports no usage is counted with
 * gpt-tokenizer (flagged `estimated`). Failures are classified as the SDK's errors were.
 */
export class OpenAiCompatibleAdapter {
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
    // An Anthropic request is translated: what the translation cannot carry is reported.
    const dropped = droppedFromAnthropic(req);
    const start = (): GenerationEvent => ({
      type: "started",
      promptTokens: roughPromptTokens(conv),
      cachedTokens: 0,
      ...(dropped.length > 0 ? { dropped } : {}),
    });
    let started = false;
    let text = "";
    /** The answer's `logprobs.content` entries, when the upstream sent any. */
    let logprobs: unknown[] | undefined;
    let finish: string | null = null;
    let usage: Chunk["usage"];
    /** The first `model` an upstream chunk names (every chunk repeats it). */
    let modelVersion: string | undefined;
    /** Chunks that carried content or a piece of a tool call (each at least one token). */
    let pieces = 0;
    const tools = new ToolCalls();
    const res = await this.send(call, body, signal);
    let done = false;
    try {
      for await (const sse of events(res, signal)) {
        // Like the SDK: nothing after [DONE] counts, but the body is read to its end.
        if (done) continue;
        if (sse.data.startsWith("[DONE]")) {
          done = true;
          continue;
        }
        const chunk = readChunk(sse.data, res, call.scrub) as Chunk | null;
        if (!started) {
          started = true;
          // Prompt tokens are known only at the end (this estimate serves if the stream breaks).
          yield start();
        }
        if (chunk == null || chunk.choices == null) throw new Error("a chunk without choices");
        modelVersion ??= upstreamModelVersion(chunk.model, call.scrub);
        // Usage may come in the last chunk with empty choices or with the last content chunk.
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        const delta = choice?.delta?.content;
        const probs = choice?.logprobs?.content;
        // Entries of a chunk without text (rare) still belong to the answer's whole list.
        if (Array.isArray(probs) && probs.length > 0) (logprobs ??= []).push(...probs);
        if (delta) {
          pieces++;
          text += delta;
          yield {
            type: "delta",
            text: delta,
            ...(Array.isArray(probs) && probs.length > 0 ? { logprobs: probs } : {}),
          };
        }
        const calls = choice?.delta?.tool_calls ?? [];
        if (calls.length > 0) pieces++;
        for (const piece of calls) {
          const event = tools.take(piece);
          if (event) yield event;
        }
      }
    } catch (err) {
      throw err instanceof UpstreamError ? withFirstByte(err, started) : malformed(started);
    }
    if (!started) yield start();
    const toolCalls = tools.assembly.calls;
    yield {
      type: "done",
      text,
      finishReason: finish === "length" ? "length" : signal.aborted ? "abort" : "stop",
      // OpenAI answers `stop` when tool_choice named the function: the calls are to be run anyway.
      ...(toolCalls.length > 0 ? { toolCalls, toolUse: finish !== "length" } : {}),
      ...(logprobs ? { logprobs } : {}),
      // An explicit 0 is a real count; only missing usage is counted here (estimated).
      usage: usage
        ? {
            promptTokens: usage.prompt_tokens,
            completionTokens: usage.completion_tokens,
            cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
          }
        : {
            promptTokens: await settlementPromptTokens(conv, call.upstreamModel),
            completionTokens: Math.max(
              pieces,
              await settlementCompletionTokens(text, toolCalls, call.upstreamModel),
            ),
            cachedTokens: 0,
          },
      source: usage ? "provider" : "estimate",
      servedBy: { provider: call.connection.id, model: call.upstreamModel },
      ...(modelVersion !== undefined ? { modelVersion } : {}),
    };
  }

  /** POSTs the chat request; the response once it is a 2xx, else the upstream's failure. */
  private async send(
    call: UpstreamCall,
    body: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const base = call.connection.baseUrl;
    let res: http.IncomingMessage;
    try {
      res = await post({
        url: new URL(`${base}${base.endsWith("/") ? "" : "/"}chat/completions`),
        headers: requestHeaders(call),
        body: JSON.stringify(body),
        signal,
        timeoutMs: TIMEOUT_MS,
      });
    } catch (err) {
      if (!(err instanceof TransportError) || err.kind === "aborted") throw err;
      throw err.kind === "timeout"
        ? new UpstreamError({ kind: "timeout", afterFirstByte: false }, "The upstream timed out.")
        : new UpstreamError(
            { kind: "connect", afterFirstByte: false },
            "The upstream could not be reached.",
          );
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const text = await readText(res).catch((err: Error) => err.message);
    if (signal.aborted) throw new TransportError("aborted");
    const json = parseJson(text) as { error?: unknown } | undefined;
    throw httpFailure(status, json?.error, headerReader(res), false, call.scrub);
  }
}

/**
 * What the upstream is sent besides the body: the SDK's defaults that matter (JSON in and out,
 * the key as a bearer token), then the connection's own headers, which may override them (as
 * the SDK's `defaultHeaders` did). Never the server's OPENAI_ORG_ID / OPENAI_PROJECT_ID.
 * Compression is declined: a stream of small events gains nothing from it.
 */
function requestHeaders(call: UpstreamCall): Record<string, string> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
    "accept-encoding": "identity",
    "user-agent": USER_AGENT,
    authorization: `Bearer ${call.apiKey}`,
  };
  for (const [name, value] of Object.entries(call.headers)) headers[name.toLowerCase()] = value;
  return headers;
}

const USER_AGENT = "Benchtop";

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One SSE event's data as a chunk. Unparseable JSON throws (malformed); an `{"error": …}`
 * event is the upstream failing mid-stream, classified by its code and type like an HTTP error.
 */
function readChunk(data: string, res: http.IncomingMessage, scrub: Scrub): Chunk | null {
  const chunk = JSON.parse(data) as Chunk | null;
  if (chunk && chunk.error)
    throw httpFailure(undefined, chunk.error, headerReader(res), false, scrub);
  return chunk;
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

  take(piece: ToolCallPiece): GenerationEvent | undefined {
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
