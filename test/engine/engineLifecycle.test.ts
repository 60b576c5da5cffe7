import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { generatedModel } from "../helpers/models.js";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ask = (server: TestServer, extra: object = {}) =>
  server.openai.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "hello" }],
    max_tokens: 4,
    ...extra,
  });

/** Polls `check` every 20 ms for at most `ms`. */
async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("engine lifecycle", () => {
  it("loads on first request, once, however many requests arrive together", async () => {
    t = await startTestServer();
    const server = t;
    expect(server.core.engine.status()).toEqual([]);
    const results = await Promise.all(Array.from({ length: 10 }, () => ask(server)));
    expect(results.map((r) => r.object)).toEqual(Array(10).fill("chat.completion"));
    expect(server.core.engine.loadCounts.get("tiny")).toBe(1);
    const [status] = server.core.engine.status();
    expect(status).toMatchObject({ id: "tiny", state: "ready", inFlight: 0, queued: 0 });
    expect(status!.info).toMatchObject({ sequences: 4, contextSize: 512 });
  });

  it("unloads after the idle TTL and loads again on the next request", async () => {
    t = await startTestServer({ engine: { idleTtlS: 0.3 } });
    const server = t;
    await ask(server);
    expect(server.core.engine.status()).toHaveLength(1);
    await waitFor(() => server.core.engine.status().length === 0, 5_000);
    const events = server.logs.filter((l) => l.msg === "unloading idle model");
    expect(events).toHaveLength(1);
    await ask(server);
    expect(server.core.engine.loadCounts.get("tiny")).toBe(2);
  });

  it("keeps at most maxLoadedModels resident, evicting the least recently used", async () => {
    const file = generatedModel();
    t = await startTestServer({
      models: { a: file, b: file, c: file },
      engine: { maxLoadedModels: 2 },
    });
    const server = t;
    const use = (model: string) => ask(server, { model });
    await use("a");
    await use("b");
    await use("a"); // b is now the least recently used
    await use("c");
    await waitFor(() => server.core.engine.status().length === 2);
    expect(
      server.core.engine
        .status()
        .map((s) => s.id)
        .sort(),
    ).toEqual(["a", "c"]);
  });

  it("batches concurrent requests on one context: 4 sequences serve 4 streams at once", async () => {
    t = await startTestServer({ engine: { sequences: 4 } });
    const server = t;
    await ask(server); // load first
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, server.core.engine.status()[0]?.inFlight ?? 0);
    }, 5);
    await Promise.all(
      Array.from({ length: 4 }, () => ask(server, { max_tokens: 30, temperature: 0 })),
    );
    clearInterval(sample);
    expect(peak).toBe(4);
    expect(server.core.engine.loadCounts.get("tiny")).toBe(1);
  });

  it("refuses a member whose own queue is full with 429 queue_full + retry-after", async () => {
    t = await startTestServer({ engine: { sequences: 1, maxQueue: 1 } });
    const server = t;
    await ask(server);
    const long = { max_tokens: 400, temperature: 0, stream: true as const };
    const abort = new AbortController();
    // One generating, one queued; the member's third is refused.
    const a = server.openai.chat.completions.create(
      { model: "tiny", messages: [{ role: "user", content: "a" }], ...long },
      { signal: abort.signal },
    );
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    const b = server.openai.chat.completions.create(
      { model: "tiny", messages: [{ role: "user", content: "b" }], ...long },
      { signal: abort.signal },
    );
    await waitFor(() => server.core.engine.status()[0]?.queued === 1);
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...server.auth },
      body: JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: "c" }],
        max_tokens: 1,
      }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("queue_full");
    abort.abort();
    await Promise.allSettled([a, b]);
  });

  it("a client disconnect aborts the generation and frees its sequence", async () => {
    t = await startTestServer({ engine: { sequences: 1 } });
    const server = t;
    const content = await longRunningPrompt(server);
    await server.core.engine.load("tiny"); // the prompt may come from cache: load explicitly
    const abort = new AbortController();
    const stream = await server.openai.chat.completions.create(
      {
        model: "tiny",
        messages: [{ role: "user", content }],
        max_tokens: 450,
        temperature: 0,
        stream: true,
      },
      { signal: abort.signal },
    );
    let chunks = 0;
    // The SDK ends the iteration quietly when its own signal aborts.
    for await (const _ of stream) {
      if (++chunks === 3) abort.abort();
    }
    expect(chunks).toBe(3);
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 0);
    // The usage row is settled from the engine's own count, as aborted.
    const aborted = () =>
      server.core.db.prepare("SELECT * FROM usage WHERE outcome = 'aborted'").all() as {
        completion_tokens: number;
        usage_source: string;
        state: string;
        estimated: number;
      }[];
    await waitFor(() => aborted().length === 1);
    const row = aborted()[0]!;
    expect(row).toMatchObject({ state: "settled", usage_source: "engine", estimated: 0 });
    // Generation stopped early, and the tokens generated until then were still counted.
    expect(row.completion_tokens).toBeGreaterThanOrEqual(2);
    expect(row.completion_tokens).toBeLessThan(450);
    // The only sequence is free again: the next request is served, not queued forever.
    const next = await ask(server, { max_tokens: 2 });
    expect(next.object).toBe("chat.completion");
  });

  it("killing the engine host mid-stream gives the client an error; the next request succeeds", async () => {
    t = await startTestServer();
    const server = t;
    const content = await longRunningPrompt(server);
    await server.core.engine.load("tiny"); // the prompt may come from cache: load explicitly
    const pid = server.core.engine.supervisor.hostInfo!.pid;
    const stream = await server.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content }],
      max_tokens: 450,
      temperature: 0,
      stream: true,
    });
    let chunks = 0;
    const err = await (async () => {
      for await (const _ of stream) {
        if (++chunks === 2) process.kill(pid, "SIGKILL");
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/engine host/i);
    // A non-streamed request while the host is dead gets a clean 503 or succeeds after restart.
    const next = await ask(server, { max_tokens: 2 }).catch((e: unknown) => e);
    if (next instanceof OpenAI.APIError) {
      expect(next.status).toBe(503);
      expect(next.code).toBe("engine_unavailable");
    }
    await waitFor(() => server.core.engine.supervisor.state === "running");
    const after = await ask(server, { max_tokens: 2 });
    expect(after.object).toBe("chat.completion");
    expect(server.core.engine.supervisor.hostInfo!.pid).not.toBe(pid);
    expect(server.core.engine.supervisor.deaths).toBe(1);
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      engine: { restarts: number };
    };
    expect(health.engine.restarts).toBe(1);
  });

  it("a non-streamed request in flight when the host dies gets 503 engine_unavailable", async () => {
    t = await startTestServer({ engine: { threads: 1 } });
    const server = t;
    const content = await longRunningPrompt(server);
    await server.core.engine.load("tiny"); // the prompt may come from cache: load explicitly
    // Threads are set explicitly, never node-llama-cpp's max(cores, 4).
    expect(server.core.engine.supervisor.hostInfo).toMatchObject({ threads: 1, gpu: false });
    const pid = server.core.engine.supervisor.hostInfo!.pid;
    const pending = fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: server.auth,
      body: JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content }],
        max_tokens: 450,
        temperature: 0,
      }),
    });
    await waitFor(() => server.core.engine.status()[0]?.inFlight === 1);
    process.kill(pid, "SIGKILL");
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: "engine_unavailable",
      type: "server_error",
    });
  });
});
