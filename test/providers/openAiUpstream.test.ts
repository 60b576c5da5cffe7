import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatRequest, GenerationEvent } from "../../src-main/gateway/types.js";
import {
  OpenAiCompatibleAdapter,
  UpstreamError,
  type UpstreamCall,
} from "../../src-main/providers/openaiCompatible/adapter.js";
import { secretScrubber } from "../../src-main/providers/scrubSecrets.js";
import type { Connection } from "../../src-main/store/connectionsRepo.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";

/**
 * The OpenAI-compatible adapter's own HTTP client (node:http, keep-alive, its SSE parser) against
 * a fake upstream: what it sends, what it yields, and how each failure is classified.
 */
const KEY = "sk-upstream-canary-7f3a";
let up: FakeUpstream;
const adapter = new OpenAiCompatibleAdapter();

function call(baseUrl: string, headers: Record<string, string> = {}): UpstreamCall {
  const connection = { id: "conn_1", kind: "openai_compatible", baseUrl, headers } as Connection;
  return {
    connection,
    keyId: "key_1",
    apiKey: KEY,
    upstreamModel: "gpt-4o-mini",
    headers,
    scrub: secretScrubber(() => [KEY]),
  };
}

const request: ChatRequest = {
  model: "pool",
  messages: [{ role: "user", content: "Say hello." }],
  sampling: { stop: [] } as unknown as ChatRequest["sampling"],
};

async function run(c: UpstreamCall, signal = new AbortController().signal) {
  const events: GenerationEvent[] = [];
  try {
    for await (const e of adapter.chat(c, request, signal)) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error: error as Error };
  }
}

beforeAll(async () => {
  up = await startFakeUpstream({ protocol: "openai" });
});
afterAll(() => up.close());

describe("the OpenAI-compatible adapter's upstream client", () => {
  it("streams the answer with the provider's usage; sends the key, JSON and the connection's headers", async () => {
    up.reset();
    const { events, error } = await run(call(`${up.url}/v1/`, { "X-Lab": "benchtop" }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["started", "delta", "delta", "delta", "done"]);
    expect(events.at(-1)).toMatchObject({
      type: "done",
      text: "Hello from upstream",
      finishReason: "stop",
      usage: { promptTokens: 11, completionTokens: 7, cachedTokens: 0 },
      source: "provider",
      servedBy: { provider: "conn_1", model: "gpt-4o-mini" },
      // The upstream's own `model` string (the fake names the model it was asked for).
      modelVersion: "gpt-4o-mini",
    });
    const sent = up.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers["x-lab"]).toBe("benchtop");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body).toMatchObject({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("classifies an error answer by status, code, type and retry-after, with the upstream's message", async () => {
    up.script(
      {
        kind: "error",
        status: 429,
        code: "rate_limit_exceeded",
        retryAfter: "7",
        message: "Slow down",
      },
      { kind: "error", status: 503 },
    );
    const limited = await run(call(`${up.url}/v1`));
    expect(limited.error).toBeInstanceOf(UpstreamError);
    expect((limited.error as UpstreamError).failure).toEqual({
      kind: "http",
      status: 429,
      code: "rate_limit_exceeded",
      type: "requests",
      retryAfterMs: 7000,
      afterFirstByte: false,
    });
    expect(limited.error!.message).toBe("Slow down");
    const down = await run(call(`${up.url}/v1`));
    expect((down.error as UpstreamError).failure).toMatchObject({ kind: "http", status: 503 });
  });

  it("calls a broken stream malformed after its first byte, and an unreachable upstream connect", async () => {
    up.script(
      { kind: "malformed_sse", afterChunks: 1 },
      { kind: "drop_mid_stream", afterChunks: 1 },
    );
    for (let i = 0; i < 2; i++) {
      const { events, error } = await run(call(`${up.url}/v1`));
      expect(events.map((e) => e.type)).toEqual(["started", "delta"]);
      expect((error as UpstreamError).failure).toEqual({ kind: "malformed", afterFirstByte: true });
    }
    up.script({ kind: "drop_connection" });
    const dropped = await run(call(`${up.url}/v1`));
    expect((dropped.error as UpstreamError).failure).toEqual({
      kind: "connect",
      afterFirstByte: false,
    });
  });

  it("stops at the caller's abort: before the answer it throws (no upstream failure), mid-stream it ends as aborted", async () => {
    const before = new AbortController();
    before.abort();
    const early = await run(call(`${up.url}/v1`), before.signal);
    expect(early.error).toBeDefined();
    expect(early.error).not.toBeInstanceOf(UpstreamError);

    up.script({ kind: "ok", chunkDelayMs: 200 });
    const mid = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const e of adapter.chat(call(`${up.url}/v1`), request, mid.signal)) {
      events.push(e);
      if (e.type === "delta") mid.abort();
    }
    expect(events.map((e) => e.type)).toEqual(["started", "delta", "done"]);
    expect(events.at(-1)).toMatchObject({ finishReason: "abort", source: "estimate" });
  });
});

describe("its transport", () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  const sse =
    'data: {"choices":[{"index":0,"delta":{"content":"zipped"}}]}\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const gzip = req.url?.includes("gzip");
        res.writeHead(200, {
          "content-type": "text/event-stream",
          ...(gzip ? { "content-encoding": "gzip" } : {}),
        });
        res.end(gzip ? zlib.gzipSync(sse) : sse);
      });
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reuses one keep-alive socket for requests one after another", async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) expect((await run(call(`${url}/v1`))).error).toBeUndefined();
    expect(connections - before).toBe(1);
  });

  it("reads a compressed stream", async () => {
    const { events, error } = await run(call(`${url}/gzip/v1`));
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({
      text: "zipped",
      usage: { promptTokens: 3, completionTokens: 1 },
    });
  });
});
