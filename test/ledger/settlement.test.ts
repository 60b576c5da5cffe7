import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";
import { countByState, usageRows, type UsageRow } from "./ledgerQueries.js";

/**
 * Settlement records what a request really cost, however it ended: streamed or not, finished,
 * aborted by the client, cut by an engine crash, or refused before it started.
 */
let t: TestServer;
let content: string;

/** $1/M in, $3/M out: a request costs exactly prompt + 3 × completion micro-dollars. */
const cost = (r: UsageRow) => r.prompt_tokens! + 3 * r.completion_tokens!;

beforeAll(async () => {
  t = await startTestServer();
  content = await longRunningPrompt(t);
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 3_000_000,
    billing_mode: "org",
  });
});
afterAll(() => t?.close());

const rowOf = (requestId: string) => usageRows(t.core, "request_id = ?", requestId)[0]!;

describe("settlement", () => {
  it("streamed and non-streamed requests with the same usage record the same cost", async () => {
    const m = t.addMember();
    const body = {
      model: "tiny",
      messages: [{ role: "user" as const, content }],
      max_tokens: 12,
      temperature: 0,
      seed: 7,
    };
    const plain = await m.openai.chat.completions.create(body).withResponse();
    const stream = await m.openai.chat.completions
      .create({ ...body, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream.data) usage ??= chunk.usage ?? undefined;

    expect(usage).toEqual(plain.data.usage);
    const a = rowOf(plain.response.headers.get("x-request-id")!);
    const b = rowOf(stream.response.headers.get("x-request-id")!);
    for (const r of [a, b]) {
      expect(r).toMatchObject({
        state: "settled",
        member_id: m.id,
        key_id: m.keyId,
        endpoint: "chat.completions",
        requested_model: "tiny",
        served_model: "tiny",
        provider: "local",
        billing_mode: "org",
        usage_source: "engine",
        estimated: 0,
        outcome: "ok",
        prompt_tokens: plain.data.usage!.prompt_tokens,
        completion_tokens: 12,
      });
      expect(r.cost_micros).toBe(cost(r));
      expect(r.ttft_ms).toBeGreaterThanOrEqual(0);
      expect(r.latency_ms).toBeGreaterThanOrEqual(r.ttft_ms!);
    }
    expect([a.stream, b.stream]).toEqual([0, 1]);
    expect(b.cost_micros).toBe(a.cost_micros);
  });

  it("an aborted stream is charged for the tokens generated before the abort", async () => {
    const m = t.addMember();
    const abort = new AbortController();
    const stream = await m.openai.chat.completions
      .create(
        {
          model: "tiny",
          messages: [{ role: "user", content }],
          max_tokens: 400,
          temperature: 0,
          stream: true,
        },
        { signal: abort.signal },
      )
      .withResponse();
    let chunks = 0;
    for await (const _ of stream.data) if (++chunks === 4) abort.abort();
    const id = stream.response.headers.get("x-request-id")!;
    await waitFor(() => rowOf(id).state === "settled");
    const r = rowOf(id);
    expect(r).toMatchObject({ outcome: "aborted", usage_source: "engine", estimated: 0 });
    expect(r.completion_tokens).toBeGreaterThanOrEqual(3);
    expect(r.completion_tokens).toBeLessThan(400);
    expect(r.cost_micros).toBe(cost(r));
    expect(r.cost_micros).toBeLessThan(r.reserved_micros);
    expect(t.core.ledger.status(m.id)).toMatchObject({ in_flight: 0, reserved_today_micros: 0 });
  });

  it("usage lost with the engine is settled by estimate, flagged, never at $0", async () => {
    const m = t.addMember();
    await t.core.engine.load("tiny");
    const pid = t.core.engine.supervisor.hostInfo!.pid;
    const stream = await m.openai.chat.completions
      .create({
        model: "tiny",
        messages: [{ role: "user", content }],
        max_tokens: 400,
        temperature: 0,
        stream: true,
      })
      .withResponse();
    let chunks = 0;
    const err = await (async () => {
      for await (const _ of stream.data) if (++chunks === 3) process.kill(pid, "SIGKILL");
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const r = rowOf(stream.response.headers.get("x-request-id")!);
    expect(r).toMatchObject({
      state: "settled",
      outcome: "error",
      error_code: "engine_unavailable",
      usage_source: "estimate",
      estimated: 1,
    });
    // Known prompt, completion estimated from what was streamed (≥ the chunks the client saw).
    expect(r.prompt_tokens).toBeGreaterThan(0);
    expect(r.completion_tokens).toBeGreaterThanOrEqual(chunks - 1);
    expect(r.cost_micros).toBe(cost(r));
    expect(r.cost_micros).toBeGreaterThan(0);
    await waitFor(() => t.core.engine.supervisor.state === "running");
  });

  it("a request refused before it started releases its reservation and costs nothing", async () => {
    const m = t.addMember();
    const err = await m.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "x" }], max_tokens: 100_000 })
      .withResponse()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("context_length_exceeded");
    const [r] = usageRows(t.core, "member_id = ?", m.id);
    expect(r).toMatchObject({
      state: "released",
      cost_micros: 0,
      error_code: "context_length_exceeded",
    });
    expect(t.core.ledger.status(m.id)).toMatchObject({ in_flight: 0, reserved_today_micros: 0 });
  });

  it("embeddings are priced by their input tokens", async () => {
    const m = t.addMember();
    const res = await m.openai.embeddings.create({ model: "tiny", input: ["12345", "678"] });
    const [r] = usageRows(t.core, "member_id = ?", m.id);
    expect(r).toMatchObject({
      endpoint: "embeddings",
      state: "settled",
      prompt_tokens: res.usage.prompt_tokens,
      completion_tokens: 0,
      cost_micros: res.usage.prompt_tokens,
    });
  });

  it("nothing is left reserved", () => {
    expect(countByState(t.core).reserved).toBe(0);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
