import { ErrorDto } from "@contract";
import type { ApiClient } from "../api/createApiClient";

/** What went wrong with a completion, as the API said it (or as the browser saw it). */
export interface ChatFailure {
  /** HTTP status; 0 when there was no answer at all (server unreachable, stream broken). */
  status: number;
  code: string | null;
  type: string | null;
  message: string;
}

export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Where a routed request went: `x-benchtop-route: code -> tiny` (docs/ROUTING.md). */
export interface ChatRoute {
  /** The category `auto` classified the request into; null for an alias or a forced model. */
  category: string | null;
  /** The model or pool that answered. */
  target: string;
}

/** How one streamed completion went, with what the client measured. */
export interface ChatStreamResult {
  /** The text received, also after Stop or a broken stream (partial answers are kept). */
  content: string;
  /** `x-request-id` of the completion: the server's usage rows for it. */
  requestId: string | null;
  /** Where a routed model (`auto`, an alias) sent it; null when the model was called directly. */
  route: ChatRoute | null;
  /** The API's finish reason, `aborted` after Stop, or `error`. */
  finishReason: string;
  /** Usage as the API reported it (`stream_options.include_usage`); null when it did not. */
  usage: { promptTokens: number; completionTokens: number } | null;
  /** From sending the request to the first text. */
  ttftMs: number | null;
  /** From sending the request to the end of the stream. */
  durationMs: number;
  /** Completion tokens over the time from first to last text; null without usage. */
  tokensPerS: number | null;
  error: ChatFailure | null;
}

export interface StreamChatOptions {
  api: Pick<ApiClient, "fetchRaw">;
  model: string;
  messages: readonly ChatTurn[];
  /** Sampling temperature; undefined leaves the server's default (1). */
  temperature?: number;
  /** Aborting it (Stop) ends the stream; the server settles what was generated. */
  signal: AbortSignal;
  /** Called with the whole text so far after each piece arrives. */
  onText(text: string): void;
  /**
   * Called while the request waits for a local model's sequence (all busy), each time its place in
   * line changes: `ahead` requests are before it, 0 when it is next. Text arriving ends the wait.
   */
  onQueued?(ahead: number): void;
  /** Defaults to `performance.now`. */
  now?: () => number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; code?: string | null; type?: string | null };
}

/**
 * The place in line a waiting request's SSE comment gives (`: queued, 3 ahead`, `: queued, next in
 * line`, see src-main/server/waitingRoom.ts), or null for any other comment (`: ping`).
 */
export function queuedAhead(comment: string): number | null {
  const text = comment.trim();
  if (text === "queued, next in line") return 0;
  const m = /^queued, (\d{1,9}) ahead$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** "Waiting for the model — 3 ahead", or "— next in line" when nothing is before it. */
export function queueText(ahead: number): string {
  return `Waiting for the model — ${ahead === 0 ? "next in line" : `${ahead.toLocaleString("en-US")} ahead`}`;
}

/** `code -> tiny` → `{ category: "code", target: "tiny" }`; `-` is "no category"; null if absent. */
export function parseRouteHeader(value: string | null): ChatRoute | null {
  const m = /^\s*(\S+) -> (\S.*?)\s*$/.exec(value ?? "");
  if (!m) return null;
  return { category: m[1] === "-" ? null : m[1]!, target: m[2]! };
}

/** The line under a routed answer: "routed: code → tiny", or "routed to tiny" without a category. */
export function routeText(route: ChatRoute): string {
  return route.category
    ? `routed: ${route.category} → ${route.target}`
    : `routed to ${route.target}`;
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === "AbortError";

/** The error body of a refused request (OpenAI-shaped), or the status text when it is not one. */
async function failureOf(res: Response): Promise<ChatFailure> {
  const parsed = ErrorDto.safeParse(await res.json().catch(() => undefined));
  return parsed.success
    ? {
        status: res.status,
        code: parsed.data.error.code ?? null,
        type: parsed.data.error.type ?? null,
        message: parsed.data.error.message,
      }
    : { status: res.status, code: null, type: null, message: res.statusText || "Request failed." };
}

/**
 * Streams one chat completion from `POST /v1/chat/completions` (SSE `data:` lines, `[DONE]` at
 * the end), asking for usage in the last chunk. Never throws: a refusal, a broken stream and
 * Stop all come back as a result, with the text received so far.
 */
export async function streamChatCompletion(o: StreamChatOptions): Promise<ChatStreamResult> {
  const now = o.now ?? (() => performance.now());
  const started = now();
  let content = "";
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let finishReason: string | null = null;
  let usage: ChatStreamResult["usage"] = null;
  let requestId: string | null = null;
  let route: ChatRoute | null = null;
  let error: ChatFailure | null = null;

  const handle = (data: string) => {
    if (data === "[DONE]") return;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return; // not JSON: nothing a chunk could say
    }
    if (chunk.error) {
      error = {
        status: 0,
        code: chunk.error.code ?? null,
        type: chunk.error.type ?? null,
        message: chunk.error.message ?? "The stream failed.",
      };
      return;
    }
    for (const choice of chunk.choices ?? []) {
      const piece = choice.delta?.content;
      if (piece) {
        firstAt ??= now();
        lastAt = now();
        content += piece;
        o.onText(content);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    if (chunk.usage)
      usage = {
        promptTokens: chunk.usage.prompt_tokens ?? 0,
        completionTokens: chunk.usage.completion_tokens ?? 0,
      };
  };

  try {
    const res = await o.api.fetchRaw("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        model: o.model,
        messages: o.messages,
        ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: o.signal,
    });
    requestId = res.headers.get("x-request-id");
    route = parseRouteHeader(res.headers.get("x-benchtop-route"));
    if (!res.ok || !res.body) {
      error = await failureOf(res);
    } else {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          if (line.startsWith("data:")) handle(line.slice(5).trim());
          else if (line.startsWith(":") && firstAt === null) {
            // Comments are the server's: heartbeats, and a waiting request's place in line.
            const ahead = queuedAhead(line.slice(1));
            if (ahead !== null) o.onQueued?.(ahead);
          }
        }
      }
      if (!error && finishReason === null)
        error = {
          status: 0,
          code: null,
          type: null,
          message: "The answer stopped before it ended.",
        };
    }
  } catch (err) {
    if (isAbort(err) || o.signal.aborted) finishReason = "aborted";
    else
      error = {
        status: 0,
        code: null,
        type: null,
        message: "The connection to the server broke.",
      };
  }
  const end = now();
  const failure = error as ChatFailure | null;
  const reported = usage as ChatStreamResult["usage"];
  const generatingMs = firstAt !== null && lastAt !== null ? lastAt - firstAt : 0;
  return {
    content,
    requestId,
    route,
    finishReason: failure && finishReason !== "aborted" ? "error" : (finishReason ?? "error"),
    usage: reported,
    ttftMs: firstAt === null ? null : Math.round(firstAt - started),
    durationMs: Math.round(end - started),
    // Over the decode time only (TTFT is shown on its own); the first token opens that window.
    tokensPerS:
      reported && reported.completionTokens > 1 && generatingMs > 0
        ? Math.round(((reported.completionTokens - 1) / (generatingMs / 1000)) * 10) / 10
        : null,
    error: failure,
  };
}
