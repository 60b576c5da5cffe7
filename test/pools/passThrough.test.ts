import Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  logprob,
  splitPieces,
  startFakeUpstream,
  type FakeUpstream,
} from "../fixtures/fakeUpstream.js";
import { canaries, leaked } from "../guard/gatewayCanaries.js";
import { addFakePool } from "../helpers/fakePool.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "../ledger/ledgerQueries.js";

/**
 * Same-family pass-through (issue 12, part 3): an Anthropic request to an Anthropic pool reaches
 * the upstream as the client wrote it, an OpenAI request to an OpenAI-compatible pool too;
 * across families what cannot be translated is named in `x-benchtop-dropped`. And cache-aware
 * prices (part 4): cache reads and writes settle at their own rates. Asserted on the bytes the
 * fake upstreams receive and on the usage rows.
 */
let t: TestServer;
let ant: FakeUpstream;
let oai: FakeUpstream;
let member: TestMember;
let claude: Anthropic;

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  ant = await startFakeUpstream({ protocol: "anthropic" });
  oai = await startFakeUpstream({ protocol: "openai" });
  addFakePool(t.core, ant, "claude", "anthropic", "claude-sonnet-4-5");
  addFakePool(t.core, oai, "gpt", "openai_compatible", "gpt-4o-mini");
  member = t.addMember();
  claude = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
});
afterEach(() => {
  ant.reset();
  oai.reset();
});
afterAll(async () => {
  await t?.close();
  await ant?.close();
  await oai?.close();
});

const EPHEMERAL = { type: "ephemeral" } as const;

/** A Claude Code-like request: every cacheable part marked, thinking on, extra fields set. */
function claudeCodeRequest(model: string, system = "You are a coding agent.") {
  return {
    model,
    max_tokens: 300,
    system: [{ type: "text", text: system, cache_control: EPHEMERAL }],
    tools: [
      {
        name: "read_file",
        description: "Reads a file.",
        input_schema: { type: "object", properties: { path: { type: "string" } } },
        cache_control: EPHEMERAL,
      },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Fix the bug.", cache_control: { type: "ephemeral", ttl: "1h" } },
        ],
      },
    ],
    thinking: { type: "enabled", budget_tokens: 1024 },
    metadata: { user_id: "user-42" },
    top_k: 5,
    // A field no SDK knows yet: an Anthropic upstream may.
    future_field: { enabled: true },
  } as unknown as Anthropic.MessageCreateParamsNonStreaming;
}

const BETA = "interleaved-thinking-2025-05-14,prompt-caching-2024-07-31";
/** A version no SDK sends by default: what arrives upstream is the client's. */
const VERSION = "2099-01-01";

describe("Anthropic to an Anthropic pool", () => {
  it("sends the body as written: cache_control, thinking, metadata, top_k, unknown fields, beta header", async () => {
    const { response } = await claude.messages
      .create(claudeCodeRequest("claude"), {
        headers: { "anthropic-beta": BETA, "anthropic-version": VERSION },
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-benchtop-dropped")).toBeNull();
    expect(ant.requests).toHaveLength(1);
    const sent = ant.requests[0]!;
    // Exactly the client's body: only the model is the upstream's and streaming is on.
    expect(sent.body).toEqual({
      ...(claudeCodeRequest("claude") as unknown as Record<string, unknown>),
      model: "claude-sonnet-4-5",
      stream: true,
    });
    expect(sent.headers["anthropic-beta"]).toBe(BETA);
    expect(sent.headers["anthropic-version"]).toBe(VERSION);
  });

  it("caps max_tokens at the member's limit, as for translated requests", async () => {
    const capped = t.addMember({ limits: { max_tokens: 100 } });
    const client = new Anthropic({ baseURL: t.url, apiKey: capped.key, maxRetries: 0 });
    await client.messages.create(claudeCodeRequest("claude"));
    expect(ant.requests[0]!.body).toMatchObject({ max_tokens: 100, top_k: 5 });
  });

  it("redacts a canary secret in a cache_control'd system block, keeping the mark", async () => {
    const list = canaries();
    const secrets = list.map((c) => c.text).join("\n");
    const { response } = await claude.messages
      .create(claudeCodeRequest("claude", `Config:\n${secrets}`))
      .withResponse();
    expect(response.status).toBe(200);
    expect(leaked(ant.requests[0]!.raw, list)).toEqual([]);
    const body = ant.requests[0]!.body as { system: { text: string; cache_control: unknown }[] };
    expect(body.system[0]!.cache_control).toEqual(EPHEMERAL);
    expect(body.system[0]!.text).toMatch(/^Config:\n/);
  });

  it("streams thinking blocks back with their signatures, and sends them back as written", async () => {
    ant.script({
      kind: "ok",
      thinking: {
        text: "The bug is an off-by-one.",
        signature: "c2lnbmF0dXJl",
        redacted: "b3BhcXVl",
      },
    });
    const message = await claude.messages
      .stream(claudeCodeRequest("claude") as unknown as Anthropic.MessageCreateParamsStreaming)
      .finalMessage();
    const content = [
      { type: "thinking", thinking: "The bug is an off-by-one.", signature: "c2lnbmF0dXJl" },
      { type: "redacted_thinking", data: "b3BhcXVl" },
      { type: "text", text: "Hello from upstream" },
    ];
    expect(message.content).toEqual(content);

    // The next turn carries the blocks back; the upstream gets them untouched.
    ant.reset();
    const next = claudeCodeRequest("claude") as unknown as { messages: unknown[] };
    next.messages.push({ role: "assistant", content }, { role: "user", content: "Go on." });
    await claude.messages.create(next as unknown as Anthropic.MessageCreateParamsNonStreaming);
    expect((ant.requests[0]!.body as { messages: unknown[] }).messages[1]).toEqual({
      role: "assistant",
      content,
    });
  });

  it("answers a non-streamed request with the thinking blocks first", async () => {
    ant.script({ kind: "ok", thinking: { text: "Hmm.", signature: "c2ln" } });
    const message = await claude.messages.create(claudeCodeRequest("claude"));
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Hmm.", signature: "c2ln" },
      { type: "text", text: "Hello from upstream" },
    ]);
  });

  it("counts tokens with the body as written", async () => {
    const { model, system, tools, messages, thinking } = claudeCodeRequest("claude");
    await claude.messages.countTokens(
      { model, system, tools, messages, thinking } as Anthropic.MessageCountTokensParams,
      { headers: { "anthropic-beta": BETA } },
    );
    expect(ant.requests[0]!.path).toBe("/v1/messages/count_tokens");
    expect(ant.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-5",
      system,
      tools,
      messages,
      thinking,
    });
    expect(ant.requests[0]!.headers["anthropic-beta"]).toBe(BETA);
  });

  it("settles cache reads and writes at the price's cache rates", async () => {
    // $3 in, $15 out, $0.30 cache reads, $3.75 cache writes per million tokens.
    t.core.store.limits.setPrice({
      model: "claude",
      input_micros_per_mtok: 3_000_000,
      output_micros_per_mtok: 15_000_000,
      cache_read_micros_per_mtok: 300_000,
      cache_write_micros_per_mtok: 3_750_000,
      billing_mode: "org",
    });
    try {
      ant.script({
        kind: "ok",
        promptTokens: 100,
        completionTokens: 20,
        cacheRead: 1000,
        cacheWrite: 200,
      });
      const { data, response } = await claude.messages
        .create(claudeCodeRequest("claude"))
        .withResponse();
      // The client sees Anthropic's usage as the upstream reported it.
      expect(data.usage).toMatchObject({
        input_tokens: 100,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 200,
        output_tokens: 20,
      });
      const [row] = usageRows(t.core, "request_id = ?", response.headers.get("x-request-id"));
      // 100 × $3 + 1000 × $0.30 + 200 × $3.75 + 20 × $15 per million = 1,650 µ$ (at the
      // input price throughout it would be 4,200).
      expect(row).toMatchObject({
        prompt_tokens: 1300,
        cached_tokens: 1000,
        cache_write_tokens: 200,
        completion_tokens: 20,
        cost_micros: 1650,
      });
      expect(row!.reserved_micros).toBeGreaterThanOrEqual(1650);
    } finally {
      t.core.store.limits.deletePrice("claude");
    }
  });
});

describe("across families", () => {
  it("Anthropic to an OpenAI-compatible pool: what cannot be translated is named", async () => {
    const { response } = await claude.messages
      .create(claudeCodeRequest("gpt"), { headers: { "anthropic-beta": BETA } })
      .withResponse();
    expect(response.headers.get("x-benchtop-dropped")).toBe(
      "anthropic-beta, cache_control, future_field, metadata, thinking, top_k",
    );
    const raw = oai.requests[0]!.raw.toString("utf8");
    for (const name of ["cache_control", "thinking", "top_k", "future_field", "user-42"])
      expect(raw).not.toContain(name);
    expect(oai.requests[0]!.body).toMatchObject({
      model: "gpt-4o-mini",
      max_tokens: 300,
      messages: [
        { role: "system", content: "You are a coding agent." },
        { role: "user", content: "Fix the bug." },
      ],
    });
  });

  it("Anthropic to a local model: the same names", async () => {
    const { response } = await claude.messages
      .create({
        model: "tiny",
        max_tokens: 4,
        system: [{ type: "text", text: "Be brief.", cache_control: EPHEMERAL }],
        messages: [{ role: "user", content: "hi" }],
        top_k: 5,
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get("x-benchtop-dropped")).toBe("cache_control, top_k");
  });

  it("OpenAI to an Anthropic pool: untranslatable fields are named, user becomes metadata", async () => {
    const { response } = await member.openai.chat.completions
      .create({
        model: "claude",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 50,
        seed: 7,
        // logprobs: false asks for nothing, so nothing is dropped (true is a 400: logprobs.test.ts).
        logprobs: false,
        reasoning_effort: "low",
        service_tier: "auto",
        user: "user-42",
      })
      .withResponse();
    expect(response.headers.get("x-benchtop-dropped")).toBe("reasoning_effort, seed, service_tier");
    expect(ant.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      metadata: { user_id: "user-42" },
    });
  });
});

describe("OpenAI to an OpenAI-compatible pool", () => {
  const extras = {
    reasoning_effort: "high",
    prediction: { type: "content", content: "const x = 1;" },
    service_tier: "flex",
    logprobs: true,
    top_logprobs: 2,
    seed: 11,
    user: "user-42",
    metadata: { ticket: "T-1" },
    store: false,
    future_field: [1, 2],
  };

  it("passes every parameter through, and the upstream's logprobs reach the client", async () => {
    oai.script({ kind: "ok", logprobs: true });
    const { data, response } = await member.openai.chat.completions
      .create({
        model: "gpt",
        messages: [{ role: "user", content: "hi" }],
        ...extras,
      } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(response.headers.get("x-benchtop-dropped")).toBeNull();
    expect(oai.requests[0]!.body).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      ...extras,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(data.choices[0]!.logprobs).toEqual({
      content: splitPieces("Hello from upstream").map(logprob),
      refusal: null,
    });
  });

  it("streams each piece's logprobs on its chunk", async () => {
    oai.script({ kind: "ok", logprobs: true });
    const stream = await member.openai.chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "hi" }],
      logprobs: true,
      stream: true,
    });
    const pieces: { text: string; logprobs: unknown }[] = [];
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) pieces.push({ text: c.delta.content, logprobs: c.logprobs });
    }
    expect(pieces).toEqual(
      splitPieces("Hello from upstream").map((p) => ({
        text: p,
        logprobs: { content: [logprob(p)], refusal: null },
      })),
    );
  });

  it("settles cached input at the catalog's cached-input price", async () => {
    // No price set: gpt-4o-mini's catalog price ($0.15 in, $0.075 cached, $0.60 out per M).
    oai.script({ kind: "ok", promptTokens: 1000, cacheRead: 800, completionTokens: 10 });
    // A prompt of about the size the upstream reports (the reservation bounds the real one).
    const content = "word ".repeat(1000);
    const { response } = await member.openai.chat.completions
      .create({ model: "gpt", messages: [{ role: "user", content }], max_tokens: 10 })
      .withResponse();
    const [row] = usageRows(t.core, "request_id = ?", response.headers.get("x-request-id"));
    // 200 × $0.15 + 800 × $0.075 + 10 × $0.60 per million = 96 µ$.
    expect(row).toMatchObject({
      prompt_tokens: 1000,
      cached_tokens: 800,
      cache_write_tokens: 0,
      completion_tokens: 10,
      cost_micros: 96,
    });
    expect(row!.reserved_micros).toBeGreaterThanOrEqual(96);
  });
});
