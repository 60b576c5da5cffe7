import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "../ledger/ledgerQueries.js";

/**
 * Remote pools through the real server: the official OpenAI SDK calls Benchtop with a member
 * key; Benchtop calls two fake OpenAI-compatible upstreams on loopback with the lab's keys.
 */
let t: TestServer;
let a: FakeUpstream;
let b: FakeUpstream;
let member: TestMember;
let clock = Date.parse("2026-06-01T12:00:00Z");
const CANARY_A = "sk-canary-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
const CANARY_B = "sk-canary-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
let conA: string;
let keyA: string;

beforeAll(async () => {
  t = await startTestServer({ now: () => clock });
  a = await startFakeUpstream({ protocol: "openai" });
  b = await startFakeUpstream({ protocol: "openai" });
  a.acceptKeys = [CANARY_A];
  b.acceptKeys = [CANARY_B];
  const { connections, pools, limits } = t.core.store;
  const add = (name: string, url: string, key: string) => {
    const c = connections.create({
      name,
      kind: "openai_compatible",
      baseUrl: `${url}/v1`,
      headers: { "x-lab": "benchtop" },
      region: null,
      retention: null,
    });
    const k = connections.addKey({
      connectionId: c.id,
      label: "main",
      secret: t.core.cipher.encrypt(key),
      last4: key.slice(-4),
    });
    return { c, k };
  };
  const first = add("upstream A", a.url, CANARY_A);
  const second = add("upstream B", b.url, CANARY_B);
  conA = first.c.id;
  keyA = first.k.id;
  pools.put({
    id: "gpt-4o-mini",
    strategy: "priority",
    maxAttempts: 3,
    targets: [
      { connectionId: first.c.id, upstreamModel: "gpt-4o-mini", priority: 0, weight: 1 },
      { connectionId: second.c.id, upstreamModel: "gpt-4o-mini-2024", priority: 1, weight: 1 },
    ],
  });
  limits.setPrice({
    model: "gpt-4o-mini",
    input_micros_per_mtok: 150_000,
    output_micros_per_mtok: 600_000,
    billing_mode: "org",
  });
  member = t.addMember({ limits: { max_tokens: 1000 } });
});
afterEach(() => {
  a.reset();
  b.reset();
  a.fallback = { kind: "ok" };
  b.fallback = { kind: "ok" };
});
afterAll(async () => {
  await t?.close();
  await a?.close();
  await b?.close();
});

const ask = () =>
  member.openai.chat.completions
    .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
    .withResponse();

const askStreamed = () =>
  member.openai.chat.completions
    .create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();

const rowsOf = (requestId: string) => usageRows(t.core, "request_id = ?", requestId);
/** $0.15/M in, $0.60/M out, rounded up: the upstream's 11 + 7 tokens cost 6 micro-dollars. */
const COST = Math.ceil((11 * 150_000 + 7 * 600_000) / 1_000_000);

describe("remote pools", () => {
  it("list next to local models, owned by their provider kind", async () => {
    const models = (await member.openai.models.list()).data.map((m) => [m.id, m.owned_by]);
    expect(models).toEqual([
      // Routing's `auto` (docs/ROUTING.md), which has the local model to route to.
      ["auto", "benchtop-route"],
      ["gpt-4o-mini", "openai_compatible"],
      ["tiny", "benchtop"],
    ]);
  });

  it("answer through the first target with the upstream's usage, billed by the pool's price", async () => {
    const { data, response } = await ask();
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    // Forwarded: the upstream model id, the connection's headers, the lab's key — not ours.
    const sent = a.requests[0]!;
    expect(sent.body).toMatchObject({ model: "gpt-4o-mini", max_tokens: 1000 });
    expect(sent.headers["x-lab"]).toBe("benchtop");
    expect(sent.headers.authorization).toBe(`Bearer ${CANARY_A}`);
    expect(JSON.stringify(sent.headers)).not.toContain(member.key);
    const [row] = rowsOf(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({
      state: "settled",
      attempt: 1,
      provider: conA,
      served_model: "gpt-4o-mini",
      usage_source: "provider",
      estimated: 0,
      prompt_tokens: 11,
      completion_tokens: 7,
      cost_micros: COST,
    });
  });

  it("streamed and non-streamed pooled requests with the same usage cost the same", async () => {
    const { data, response } = await askStreamed();
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of data) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage ??= chunk.usage ?? undefined;
    }
    expect(text).toBe("Hello from upstream");
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    expect(rowsOf(response.headers.get("x-request-id")!)[0]).toMatchObject({
      stream: 1,
      cost_micros: COST,
      usage_source: "provider",
    });
  });

  it("fails over on a 5xx before the first byte: one row per attempt, billed once", async () => {
    a.script({ kind: "error", status: 503 });
    const { data, response } = await ask();
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    const rows = rowsOf(response.headers.get("x-request-id")!);
    expect(rows.map((r) => [r.attempt, r.state, r.provider, r.cost_micros])).toEqual([
      [1, "released", conA, 0],
      [2, "settled", rows[1]!.provider, COST],
    ]);
    expect(rows[1]!.provider).not.toBe(conA);
    expect(rows[0]!.error_code).toBe("server_error");
    expect(b.requests[0]!.body).toMatchObject({ model: "gpt-4o-mini-2024" });
  });

  it("forwards tools and relays the upstream's tool calls (test/pools/toolsThroughPools.test.ts has the rest)", async () => {
    const tools = [
      { type: "function" as const, function: { name: "f", parameters: { type: "object" } } },
    ];
    a.script({ kind: "ok", toolCall: { name: "f", arguments: '{"x":1}' } });
    const data = await member.openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      tools,
    });
    expect(a.requests[0]!.body).toMatchObject({ tools });
    expect(data.choices[0]!.finish_reason).toBe("tool_calls");
    expect(data.choices[0]!.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_fake_\d+$/),
        type: "function",
        function: { name: "f", arguments: '{"x":1}' },
      },
    ]);
    expect(b.requests).toHaveLength(0);
  });

  it("returns a 400 from the upstream to the caller, never retried", async () => {
    a.script({ kind: "error", status: 400, message: "bad things in the request" });
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(b.requests).toHaveLength(0);
  });

  it("rests a key after a 429 for its retry-after, then uses it again", async () => {
    a.script({ kind: "error", status: 429, retryAfter: "2" });
    expect((await ask()).data.choices[0]!.message.content).toBe("Hello from upstream");
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
    await ask();
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]); // A rests
    clock += 2_001;
    await ask();
    expect([a.requests.length, b.requests.length]).toEqual([2, 2]); // rested long enough
  });

  it("a cooled-down connection gets no traffic until its period ends, then one probe", async () => {
    a.fallback = { kind: "error", status: 500 };
    for (let i = 0; i < 3; i++) await ask(); // three failures open A's circuit
    const seen = a.requests.length;
    expect(seen).toBe(3);
    for (let i = 0; i < 5; i++) await ask();
    expect(a.requests.length).toBe(seen); // open: skipped
    a.fallback = { kind: "ok" };
    clock += 30_001; // the default cooldown is 30 s
    await ask();
    expect(a.requests.length).toBe(seen + 1); // the half-open probe, which succeeds
    await ask();
    expect(a.requests.length).toBe(seen + 2); // closed again
  });

  it("disables a key the upstream refuses (401) and stops sending it", async () => {
    a.acceptKeys = ["sk-something-else"];
    try {
      await ask();
      expect(t.core.store.connections.key(keyA)!.status).toBe("disabled");
      const before = a.requests.length;
      await ask();
      expect(a.requests.length).toBe(before);
    } finally {
      a.acceptKeys = [CANARY_A];
      t.core.store.connections.setKeyStatus(keyA, "active", null);
    }
  });

  it("ends a stream that breaks after its first byte with an error, not a silent switch", async () => {
    // A fresh pool with only A, so the answer cannot come from elsewhere.
    t.core.store.pools.put({
      id: "only-a",
      strategy: "priority",
      maxAttempts: 3,
      targets: [{ connectionId: conA, upstreamModel: "gpt-4o-mini", priority: 0, weight: 1 }],
    });
    t.core.store.limits.setPrice({
      model: "only-a",
      input_micros_per_mtok: 150_000,
      output_micros_per_mtok: 600_000,
      billing_mode: "org",
    });
    a.script({ kind: "drop_mid_stream", afterChunks: 1 });
    const { data, response } = await member.openai.chat.completions
      .create({ model: "only-a", messages: [{ role: "user", content: "hi" }], stream: true })
      .withResponse();
    const err = await (async () => {
      for await (const _ of data);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(b.requests).toHaveLength(0);
    const [row] = rowsOf(response.headers.get("x-request-id")!);
    // Usage never arrived: settled by estimate, flagged, not at $0.
    expect(row).toMatchObject({ state: "settled", estimated: 1, usage_source: "estimate" });
    expect(row!.cost_micros).toBeGreaterThan(0);
  });

  it("follows a connection edited while running (new URL and headers, no restart)", async () => {
    const con = t.core.store.connections.get(conA)!;
    const other = await startFakeUpstream({ protocol: "openai" });
    try {
      await new Promise((r) => setTimeout(r, 2)); // a later updated_ms than the last use
      t.core.store.connections.update({
        ...con,
        baseUrl: `${other.url}/v1`,
        headers: { "x-lab": "v2" },
      });
      await ask();
      expect(a.requests).toHaveLength(0);
      expect(other.requests[0]!.headers["x-lab"]).toBe("v2");
    } finally {
      t.core.store.connections.update(con);
      await other.close();
    }
  });

  it("no provider key bytes in any response, log line, or the database file", async () => {
    await ask();
    const logs = JSON.stringify(t.logs);
    for (const canary of [CANARY_A, CANARY_B]) expect(logs).not.toContain(canary);
    const dir = t.core.paths.dataDir;
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith("benchtop.db"))) {
      const bytes = fs.readFileSync(path.join(dir, f));
      for (const canary of [CANARY_A, CANARY_B]) expect(bytes.includes(canary)).toBe(false);
    }
    const health = JSON.stringify(t.core.pools.health());
    expect(health).not.toContain(CANARY_A);
  });
});
