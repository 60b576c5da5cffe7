import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "../ledger/ledgerQueries.js";

/** An Anthropic pool behind Benchtop's OpenAI API: the openai SDK in, @anthropic-ai/sdk out. */
let t: TestServer;
let first: FakeUpstream;
let second: FakeUpstream;
let member: TestMember;
let keyOfFirst: string;

beforeAll(async () => {
  t = await startTestServer();
  first = await startFakeUpstream({ protocol: "anthropic" });
  second = await startFakeUpstream({ protocol: "anthropic" });
  const add = (url: string, key: string) => {
    const c = t.core.store.connections.create({
      name: url,
      kind: "anthropic",
      baseUrl: url,
      headers: {},
      region: null,
      retention: null,
    });
    const k = t.core.store.connections.addKey({
      connectionId: c.id,
      label: "main",
      secret: t.core.cipher.encrypt(key),
      last4: key.slice(-4),
    });
    return { c, k };
  };
  const a = add(first.url, "sk-ant-first-0001");
  const b = add(second.url, "sk-ant-second-0002");
  keyOfFirst = a.k.id;
  t.core.store.pools.put({
    id: "claude",
    strategy: "priority",
    maxAttempts: 2,
    targets: [
      { connectionId: a.c.id, upstreamModel: "claude-sonnet-4-5", priority: 0, weight: 1 },
      { connectionId: b.c.id, upstreamModel: "claude-sonnet-4-5", priority: 1, weight: 1 },
    ],
  });
  member = t.addMember();
});
afterEach(() => {
  first.reset();
  second.reset();
});
afterAll(async () => {
  await t?.close();
  await first?.close();
  await second?.close();
});

const ask = (extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  member.openai.chat.completions
    .create({
      model: "claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      max_tokens: 50,
      ...extra,
    })
    .withResponse();

describe("Anthropic upstreams", () => {
  it("answer chat completions, with Anthropic's usage and the system prompt in `system`", async () => {
    const { data, response } = await ask();
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    expect(first.requests[0]!.body).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      system: "Be brief.",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const [row] = usageRows(t.core, "request_id = ?", response.headers.get("x-request-id"));
    // The pool has no price of its own: the catalog's claude-sonnet-4* list price applies
    // ($3 / $15 per million tokens).
    expect(row).toMatchObject({
      usage_source: "provider",
      prompt_tokens: 11,
      completion_tokens: 7,
      cost_micros: Math.ceil((11 * 3_000_000 + 7 * 15_000_000) / 1_000_000),
    });
  });

  it("stream through Benchtop as OpenAI chunks", async () => {
    const stream = await member.openai.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      usage ??= c.usage ?? undefined;
    }
    expect(text).toBe("Hello from upstream");
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
  });

  it("fail over on 529 overloaded", async () => {
    first.script({ kind: "error", status: 529 });
    const { data } = await ask();
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    expect([first.requests.length, second.requests.length]).toEqual([1, 1]);
  });

  it("mark a key whose spend limit is reached as exhausted (error_code, not the message)", async () => {
    first.script({
      kind: "error",
      status: 429,
      type: "rate_limit_error",
      code: "enforced_spend_limit_reached",
    });
    await ask();
    expect(t.core.store.connections.key(keyOfFirst)!.status).toBe("exhausted");
    t.core.store.connections.setKeyStatus(keyOfFirst, "active", null);
  });

  it("translate tools and relay tool calls (test/pools/toolsThroughPools.test.ts has the rest)", async () => {
    first.script({ kind: "ok", toolCall: { name: "f", arguments: '{"x":1}' } });
    const { data } = await ask({
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    });
    expect(first.requests[0]!.body).toMatchObject({
      tools: [{ name: "f", input_schema: { type: "object" } }],
    });
    expect(data.choices[0]!.finish_reason).toBe("tool_calls");
    expect(data.choices[0]!.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^toolu_fake_\d+$/),
        type: "function",
        function: { name: "f", arguments: '{"x":1}' },
      },
    ]);
  });
});
