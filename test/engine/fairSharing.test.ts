import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  longRunningPrompt,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";

// The shared GPU through Benchtop's HTTP API, on the real engine host and a generated model:
// nobody starves behind running streams, members take turns, and waiting clients know their place.
// Ordering and counts only: no timing thresholds.

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Polls `check` every 20 ms for at most `ms`. */
async function waitFor(check: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Streamed {
  status: number;
  /** SSE comment lines, in order (`queued, 2 ahead`…), without `ping`s. */
  comments: string[];
  deltas: number;
  /** `usage.completion_tokens` of the final chunk (include_usage is always asked for). */
  completionTokens: number;
  body: string;
}

/**
 * A raw streaming chat completion: logs `${name}:first` at its first content delta and
 * `${name}:end` when the stream ends; `onDelta` sees the running count.
 */
async function stream(
  server: TestServer,
  key: string,
  name: string,
  content: string,
  maxTokens: number,
  log: string[],
  onDelta?: (n: number) => void,
): Promise<Streamed> {
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: "tiny",
      messages: [{ role: "user", content }],
      max_tokens: maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const out: Streamed = {
    status: res.status,
    comments: [],
    deltas: 0,
    completionTokens: -1,
    body: "",
  };
  if (!res.ok || !res.body) {
    out.body = await res.text();
    return out;
  }
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      out.body += frame + "\n\n";
      if (frame.startsWith(": ")) {
        if (frame !== ": ping") out.comments.push(frame.slice(2));
        continue;
      }
      if (!frame.startsWith("data: {")) continue;
      const data = JSON.parse(frame.slice(6)) as {
        choices: { delta: { content?: string } }[];
        usage: { completion_tokens: number } | null;
      };
      if (data.usage) out.completionTokens = data.usage.completion_tokens;
      if (data.choices[0]?.delta.content) {
        if (out.deltas++ === 0) log.push(`${name}:first`);
        onDelta?.(out.deltas);
      }
    }
  }
  log.push(`${name}:end`);
  return out;
}

describe("the shared GPU", () => {
  it("a third request starts generating while two others are still decoding", async () => {
    t = await startTestServer({ engine: { sequences: 3, threads: 1, contextSize: 1024 } });
    const server = t;
    const key = server.core.ownerToken;
    const long = await longRunningPrompt(server);
    // Every sequence now holds an earlier prompt: each new request must erase before it runs.
    await Promise.all(
      [0, 1, 2].map((i) => stream(server, key, `warm${i}`, `warm ${i} ${long}`, 2, [])),
    );
    const log: string[] = [];
    let decoding = 0;
    let bothDecoding!: () => void;
    const started = new Promise<void>((r) => (bothDecoding = r));
    const at5 = (n: number) => {
      if (n === 5 && ++decoding === 2) bothDecoding();
    };
    const a = stream(server, key, "A", long, 400, log, at5);
    const b = stream(server, key, "B", long, 400, log, at5);
    await started;
    const c = await stream(server, key, "C", "a third question", 1, log);
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, rb.status, c.status]).toEqual([200, 200, 200]);
    // Both were still decoding: C was sent once each had streamed 5 pieces.
    expect(ra.completionTokens).toBeGreaterThan(5);
    expect(rb.completionTokens).toBeGreaterThan(5);
    expect(log.indexOf("C:first")).toBeGreaterThan(-1);
    expect(log.indexOf("C:first")).toBeLessThan(log.indexOf("A:end"));
    expect(log.indexOf("C:first")).toBeLessThan(log.indexOf("B:end"));
  });

  it("member A floods 20 requests; member B's one request is served before A's later ones", async () => {
    t = await startTestServer({ engine: { sequences: 2, threads: 1, contextSize: 512 } });
    const server = t;
    const long = await longRunningPrompt(server);
    const a = server.addMember({ name: "flood" });
    const b = server.addMember({ name: "teammate" });
    const log: string[] = [];
    const floods = Array.from({ length: 20 }, (_, i) =>
      stream(server, a.key, `a${i}`, long, 60, log),
    );
    // A holds both sequences and 18 of its requests wait.
    await waitFor(() => server.core.engine.status()[0]?.queued === 18);
    const [model] = server.core.engine.status();
    expect(model!.members).toEqual([{ memberId: a.id, held: 2, queued: 18 }]);
    const bDone = stream(server, b.key, "b", long, 5, log);
    await waitFor(() => (server.core.engine.status()[0]?.queued ?? 0) === 19);
    const results = await Promise.all([...floods, bDone]);
    expect(results.map((r) => r.status)).toEqual(Array(21).fill(200));
    const firsts = log.filter((e) => e.endsWith(":first"));
    // B's request took the first sequence that freed (after A's first two), so its first token
    // comes before those of A's 4th…20th, which wait for A's earlier ones to finish 60 tokens.
    // A's third request takes the other sequence as it frees, usually just after B; both then
    // prefill the same prompt at once, so which of those two speaks first is not fixed (the
    // grant order itself is FairQueue's, asserted exactly in fairQueue.test.ts).
    expect(firsts.slice(0, 2).map((e) => e[0])).toEqual(["a", "a"]);
    expect([2, 3]).toContain(firsts.indexOf("b:first"));
    const aOrder = firsts.filter((e) => e.startsWith("a"));
    expect(aOrder).toHaveLength(20);
  });

  it("a member's own full queue is their 429; a teammate still waits and is served", async () => {
    t = await startTestServer({ engine: { sequences: 1, threads: 1, maxQueue: 64 } });
    const server = t;
    const long = await longRunningPrompt(server);
    const a = server.addMember({ name: "capped", limits: { max_queued: 2 } });
    const b = server.addMember({ name: "teammate" });
    const log: string[] = [];
    const running = stream(server, a.key, "a0", long, 150, log);
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    const queued = [1, 2].map((i) => stream(server, a.key, `a${i}`, long, 2, log));
    await waitFor(() => server.core.engine.status()[0]?.queued === 2);
    const refused = await stream(server, a.key, "a3", long, 2, log);
    expect(refused.status).toBe(429);
    const err = JSON.parse(refused.body) as { error: { code: string; type: string } };
    expect(err.error.code).toBe("queue_full");
    const teammate = await Promise.all([stream(server, b.key, "b0", long, 2, log), running]);
    expect(teammate.map((r) => r.status)).toEqual([200, 200]);
    expect((await Promise.all(queued)).map((r) => r.status)).toEqual([200, 200]);
    // The refusal was the member's own: no usage row was charged for it.
    const rows = server.core.db
      .prepare("SELECT COUNT(*) AS n FROM usage WHERE member_id = ? AND outcome = 'ok'")
      .get(a.id) as { n: number };
    expect(rows.n).toBe(3);
  });

  it("a waiting stream learns its place in line, decreasing to 'next in line'", async () => {
    t = await startTestServer({ engine: { sequences: 1, threads: 1 } });
    const server = t;
    const long = await longRunningPrompt(server);
    const m = server.addMember();
    const log: string[] = [];
    const holder = stream(server, m.key, "hold", long, 120, log);
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    const w1 = stream(server, m.key, "w1", long, 3, log);
    await waitFor(() => server.core.engine.status()[0]?.queued === 1);
    const w2 = stream(server, m.key, "w2", long, 3, log);
    await waitFor(() => server.core.engine.status()[0]?.queued === 2);
    const w3 = stream(server, m.key, "w3", long, 3, log);
    const [, r1, r2, r3] = await Promise.all([holder, w1, w2, w3]);
    expect(r3!.comments).toEqual(["queued, 2 ahead", "queued, 1 ahead", "queued, next in line"]);
    expect(r2!.comments).toEqual(["queued, 1 ahead", "queued, next in line"]);
    expect(r1!.comments).toEqual(["queued, next in line"]);
    expect([r1!.completionTokens, r2!.completionTokens, r3!.completionTokens]).toEqual([3, 3, 3]);
    // Comments come before the first data frame and the stream still ends properly.
    expect(r3!.body.indexOf(": queued")).toBeLessThan(r3!.body.indexOf("data: {"));
    expect(r3!.body.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("a client that leaves while waiting leaves the queue; its row is released as client_disconnected", async () => {
    t = await startTestServer({ engine: { sequences: 1, threads: 1 } });
    const server = t;
    const long = await longRunningPrompt(server);
    const m = server.addMember();
    const holder = stream(server, m.key, "hold", long, 120, []);
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    const abort = new AbortController();
    const leaving = fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${m.key}` },
      body: JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: "I will not wait" }],
        max_tokens: 3,
        stream: true,
      }),
      signal: abort.signal,
    });
    // Its headers came with the first queue notice: the stream was open while it waited.
    const res = await leaving;
    expect(res.status).toBe(200);
    expect(server.core.engine.status()[0]?.queued).toBe(1);
    abort.abort();
    await waitFor(() => server.core.engine.status()[0]?.queued === 0);
    expect((await holder).status).toBe(200);
    const rows = server.core.db
      .prepare(
        "SELECT state, outcome, error_code, http_status FROM usage WHERE member_id = ? ORDER BY id",
      )
      .all(m.id);
    expect(rows).toContainEqual({
      state: "released",
      outcome: "error",
      error_code: "client_disconnected",
      http_status: 499,
    });
    expect(rows).toHaveLength(2);
  });

  it("the official SDKs stream through a wait (OpenAI and Anthropic)", async () => {
    t = await startTestServer({ engine: { sequences: 1, threads: 1 } });
    const server = t;
    const long = await longRunningPrompt(server);
    const m: TestMember = server.addMember();
    const holder = stream(server, m.key, "hold", long, 120, []);
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    const openaiText = (async () => {
      const s = await m.openai.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: long }],
        max_tokens: 4,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let completion = -1;
      for await (const chunk of s) if (chunk.usage) completion = chunk.usage.completion_tokens;
      return completion;
    })();
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: m.key, maxRetries: 0 });
    const anthropicText = (async () => {
      const s = anthropic.messages.stream({
        model: "tiny",
        max_tokens: 4,
        temperature: 0,
        messages: [{ role: "user", content: long }],
      });
      return (await s.finalMessage()).usage.output_tokens;
    })();
    await waitFor(() => server.core.engine.status()[0]?.queued === 2);
    const [, openaiTokens, anthropicTokens] = await Promise.all([
      holder,
      openaiText,
      anthropicText,
    ]);
    expect(openaiTokens).toBe(4);
    expect(anthropicTokens).toBe(4);
  });
});
