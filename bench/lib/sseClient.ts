import type { StreamResult } from "./stats.js";
import type { CompletionRequest } from "./system.js";

interface CompletionChunk {
  choices?: { text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

/**
 * Streams one `POST <baseUrl>/v1/completions` (OpenAI SSE, `stream: true`) and timestamps the
 * chunks as they arrive. Tokens are the final usage block's `completion_tokens`
 * (`stream_options.include_usage`); if a server sends none, the non-empty text chunks are counted.
 * `extra` adds server-specific body fields. Temperature 0: greedy, the same path for every system.
 */
export async function streamCompletion(
  baseUrl: string,
  model: string,
  req: CompletionRequest,
  extra: Record<string, unknown> = {},
): Promise<StreamResult> {
  const startMs = performance.now();
  const res = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer bench" },
    body: JSON.stringify({
      model,
      prompt: req.prompt,
      max_tokens: req.maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      ...extra,
    }),
  });
  if (!res.ok || !res.body) {
    throw new Error(`${baseUrl}: HTTP ${res.status} ${await res.text().catch(() => "")}`);
  }
  const tokenTimesMs: number[] = [];
  let usage: CompletionChunk["usage"];
  let buffer = "";
  const decoder = new TextDecoder();
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
        const chunk = JSON.parse(data) as CompletionChunk;
        if (chunk.error) throw new Error(`${baseUrl}: stream error ${JSON.stringify(chunk.error)}`);
        if (chunk.usage) usage = chunk.usage;
        if (chunk.choices?.some((c) => (c.text ?? "").length > 0)) tokenTimesMs.push(now);
      }
    }
  }
  const completionTokens = usage?.completion_tokens;
  return {
    startMs,
    tokenTimesMs,
    endMs: performance.now(),
    tokens: completionTokens ?? tokenTimesMs.length,
    tokensFrom: completionTokens === undefined ? "chunks" : "usage",
    promptTokens: usage?.prompt_tokens,
  };
}
