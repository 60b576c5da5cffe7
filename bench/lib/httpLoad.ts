import http from "node:http";
import { StringDecoder } from "node:string_decoder";
import { percentile } from "./admissionStats.js";

/** Where one system under test is called: a full chat-completions URL and its headers. */
export interface HttpTarget {
  name: string;
  /** e.g. `http://127.0.0.1:4747/v1/chat/completions`. */
  url: string;
  headers: Record<string, string>;
}

/** What one request observed. Times are ms from just before the request was written. */
export interface Sample {
  ok: boolean;
  /** Full response (non-streaming) or end of stream (streaming). */
  totalMs: number;
  /** Streaming: the chunk carrying the first non-empty `delta.content`. */
  firstMs?: number;
  /** Why `ok` is false: status and the start of the body, or the socket error. */
  error?: string;
}

/** The text every answer must carry (the fake upstream's default). */
export const EXPECTED_TEXT = "Hello from upstream";
const REQUEST_TIMEOUT_MS = 30_000;

/** The request body, the same bytes for every target. */
export function chatBody(model: string, stream: boolean): Buffer {
  return Buffer.from(
    JSON.stringify({
      model,
      messages: [{ role: "user", content: "Say hello." }],
      max_tokens: 16,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  );
}

/**
 * A keep-alive agent sized to the concurrency: one socket per client, kept between requests,
 * so no measured request pays for a TCP connect (the first ones are primed untimed by `drive`).
 */
export function clientAgent(clients: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
}

/**
 * One POST with node:http. Non-streaming: done at the response's end, ok when 200 and the body
 * carries the expected text. Streaming: SSE events are parsed until the first one whose
 * `choices[0].delta.content` is non-empty (its arrival is `firstMs`); after that the bytes are
 * only drained; ok when 200, content was seen and the stream ended with `data: [DONE]`.
 */
export function request(
  agent: http.Agent,
  target: HttpTarget,
  body: Buffer,
  stream: boolean,
): Promise<Sample> {
  return new Promise((resolve) => {
    const start = performance.now();
    let settled = false;
    const finish = (s: Omit<Sample, "totalMs">) => {
      if (settled) return;
      settled = true;
      resolve({ ...s, totalMs: performance.now() - start });
    };
    const req = http.request(
      target.url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          ...target.headers,
        },
      },
      (res) => {
        const decoder = new StringDecoder("utf8");
        let text = "";
        let firstMs: number | undefined;
        res.on("data", (chunk: Buffer) => {
          const now = performance.now();
          text += decoder.write(chunk);
          if (!stream || firstMs !== undefined) {
            // Keep what the final check needs: the whole JSON body, or the tail of the stream.
            if (stream && text.length > 256) text = text.slice(-64);
            return;
          }
          let boundary: number;
          while (firstMs === undefined && (boundary = text.indexOf("\n\n")) >= 0) {
            const event = text.slice(0, boundary);
            text = text.slice(boundary + 2);
            if (hasContent(event)) firstMs = now - start;
          }
        });
        res.on("end", () => {
          text += decoder.end();
          const status = res.statusCode ?? 0;
          const ok =
            status === 200 &&
            (stream
              ? firstMs !== undefined && text.trimEnd().endsWith("data: [DONE]")
              : text.includes(EXPECTED_TEXT));
          finish(
            ok
              ? { ok, firstMs }
              : {
                  ok,
                  firstMs,
                  error: `HTTP ${status}: ${text.slice(0, 300).replace(/\s+/g, " ")}`,
                },
          );
        });
        res.on("error", (err) => finish({ ok: false, error: err.message }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timed out")));
    req.on("error", (err) => finish({ ok: false, error: err.message }));
    req.end(body);
  });
}

/** Whether one SSE event (lines, no blank line) carries a non-empty `delta.content`. */
function hasContent(event: string): boolean {
  for (const line of event.split("\n")) {
    if (!line.startsWith("data:")) continue; // comments (": ping"), event names
    const data = line.slice(5).trim();
    if (data === "[DONE]" || !data.startsWith("{")) continue;
    try {
      const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string | null } }[] };
      if ((chunk.choices?.[0]?.delta?.content ?? "").length > 0) return true;
    } catch {
      // not JSON: not content (the final check still requires [DONE])
    }
  }
  return false;
}

export interface DriveResult {
  requests: number;
  errors: number;
  /** The first error seen, for the report. */
  firstError?: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Streaming only: time to the first content chunk. */
  firstP50Ms?: number;
  firstP99Ms?: number;
}

/**
 * `n` requests from `clients` concurrent loops (each sends its next request when the previous
 * one ends) over a fresh agent, after `clients * 2` untimed requests that open and warm its
 * sockets. Latency percentiles are over the successful requests (nearest rank).
 */
export async function drive(
  target: HttpTarget,
  body: Buffer,
  stream: boolean,
  clients: number,
  n: number,
): Promise<DriveResult> {
  const agent = clientAgent(clients);
  try {
    await run(agent, target, body, stream, clients, clients * 2);
    const t0 = performance.now();
    const samples = await run(agent, target, body, stream, clients, n);
    const wallS = (performance.now() - t0) / 1000;
    const good = samples.filter((s) => s.ok);
    const total = good.map((s) => s.totalMs);
    const first = good.map((s) => s.firstMs!);
    return {
      requests: n,
      errors: samples.length - good.length,
      firstError: samples.find((s) => !s.ok)?.error,
      rps: good.length / wallS,
      p50Ms: percentile(total, 50),
      p99Ms: percentile(total, 99),
      ...(stream ? { firstP50Ms: percentile(first, 50), firstP99Ms: percentile(first, 99) } : {}),
    };
  } finally {
    agent.destroy();
  }
}

async function run(
  agent: http.Agent,
  target: HttpTarget,
  body: Buffer,
  stream: boolean,
  clients: number,
  n: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(clients, n) }, async () => {
      while (next < n) {
        next++;
        samples.push(await request(agent, target, body, stream));
      }
    }),
  );
  return samples;
}
