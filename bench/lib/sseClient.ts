import type { StreamResult } from "./stats.js";
import type { CompletionRequest } from "./system.js";

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

interface Chunk {
  choices?: {
    text?: string;
    delta?: { content?: string | null };
    finish_reason?: string | null;
  }[];
  usage?: Usage | null;
  error?: unknown;
}

export interface StreamOptions {
  /** Sent as `Authorization: Bearer`. Benchtop needs a member key; llama-server takes none. */
  apiKey?: string;
  /** Aborts the request (the stream then ends early; what arrived is returned). */
  signal?: AbortSignal;
  /** Server-specific body fields. */
  extra?: Record<string, unknown>;
}

/**
 * Streams one `POST <baseUrl>/v1/completions` (OpenAI SSE, `stream: true`) and timestamps the
 * chunks as they arrive. Tokens are the final usage block's `completion_tokens`
 * (`stream_options.include_usage`); if a server sends none, the non-empty text chunks are counted.
 * Temperature 0: greedy, the same path for every system.
 */
export function streamCompletion(
  baseUrl: string,
  model: string,
  req: CompletionRequest,
  opts: StreamOptions = {},
): Promise<StreamResult> {
  return streamSse(
    `${baseUrl}/v1/completions`,
    opts,
    { model, prompt: req.prompt, max_tokens: req.maxTokens },
    false,
  );
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * Streams one `POST <baseUrl>/v1/chat/completions` (rendered with the model's chat template),
 * like `streamCompletion`. `text` is the answer, to send back as the next turn's assistant
 * message; `cachedTokens` is the usage block's `prompt_tokens_details.cached_tokens`. An answer
 * that ends at once (end of turn as its first token) has no text chunk: its first token is then
 * the chunk that carries `finish_reason`.
 */
export function streamChat(
  baseUrl: string,
  model: string,
  req: { messages: ChatMessage[]; maxTokens: number },
  opts: StreamOptions = {},
): Promise<StreamResult & { text: string; cachedTokens?: number }> {
  return streamSse(
    `${baseUrl}/v1/chat/completions`,
    opts,
    { model, messages: req.messages, max_tokens: req.maxTokens },
    true,
  );
}

async function streamSse(
  url: string,
  opts: StreamOptions,
  body: Record<string, unknown>,
  /** A stream with no text chunk has its first token at the `finish_reason` chunk. */
  firstTokenOnFinish: boolean,
): Promise<StreamResult & { text: string; cachedTokens?: number }> {
  const startMs = performance.now();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.apiKey !== undefined) headers.authorization = `Bearer ${opts.apiKey}`;
  const res = await fetch(url, {
    method: "POST",
    headers,
    signal: opts.signal,
    body: JSON.stringify({
      ...body,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      ...opts.extra,
    }),
  });
  if (!res.ok || !res.body) {
    throw new Error(`${url}: HTTP ${res.status} ${await res.text().catch(() => "")}`);
  }
  const tokenTimesMs: number[] = [];
  let finishMs: number | undefined;
  let usage: Usage | null | undefined;
  let text = "";
  let buffer = "";
  const decoder = new TextDecoder();
  try {
    for await (const bytes of res.body) {
      const now = performance.now();
      buffer += decoder.decode(bytes as Uint8Array, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data:")) continue; // ": ping" comments, event names
          const data = line.slice(5).trim();
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data) as Chunk;
          if (chunk.error) throw new Error(`${url}: stream error ${JSON.stringify(chunk.error)}`);
          if (chunk.usage) usage = chunk.usage;
          const piece = (chunk.choices ?? []).map((c) => c.text ?? c.delta?.content ?? "").join("");
          if (piece.length > 0) {
            tokenTimesMs.push(now);
            text += piece;
          }
          if (chunk.choices?.some((c) => c.finish_reason)) finishMs ??= now;
        }
      }
    }
  } catch (err) {
    if (!opts.signal?.aborted) throw err;
  }
  if (firstTokenOnFinish && tokenTimesMs.length === 0 && finishMs !== undefined)
    tokenTimesMs.push(finishMs);
  const completionTokens = usage?.completion_tokens;
  return {
    startMs,
    tokenTimesMs,
    endMs: performance.now(),
    tokens: completionTokens ?? tokenTimesMs.length,
    tokensFrom: completionTokens === undefined ? "chunks" : "usage",
    promptTokens: usage?.prompt_tokens,
    text,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens,
  };
}
