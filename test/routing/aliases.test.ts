import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type Behaviour, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import {
  plainText,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";
import { usageRows, type UsageRow } from "../ledger/ledgerQueries.js";

/**
 * Aliases through the real server: an exposed id tried as an ordered chain of a local model
 * (the generated tiny GGUF on the real engine) and remote pools (fake OpenAI-compatible
 * upstreams on loopback), with the official OpenAI SDK as the client.
 */
let t: TestServer;
let up: FakeUpstream;
let member: TestMember;
/** Each error class gets a connection and pool of its own: a failure cools its target down. */
let pools = 0;

type RoutedRow = UsageRow & {
  route_category: string | null;
  route_classifier: string | null;
  route_tokens: number | null;
  fallback_json: string | null;
  http_status: number | null;
};
const rowsOf = (requestId: string) => usageRows(t.core, "request_id = ?", requestId) as RoutedRow[];

/** A pool `cloud-<n>` on the fake upstream, priced at $1/M in and $2/M out. */
function addPool(): string {
  const { connections, pools: repo, limits } = t.core.store;
  const id = `cloud-${++pools}`;
  const c = connections.create({
    name: id,
    kind: "openai_compatible",
    baseUrl: `${up.url}/v1`,
    headers: {},
    region: null,
    retention: null,
  });
  connections.addKey({
    connectionId: c.id,
    label: "main",
    secret: t.core.cipher.encrypt("sk-test-key-0000"),
    last4: "0000",
  });
  repo.put({
    id,
    strategy: "priority",
    maxAttempts: 1,
    targets: [{ connectionId: c.id, upstreamModel: "gpt-x", priority: 0, weight: 1 }],
  });
  limits.setPrice({
    model: id,
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 2_000_000,
    billing_mode: "org",
  });
  return id;
}

function alias(id: string, targets: string[], categories: string[] = []) {
  t.core.store.routing.putAlias({ id, description: "", targets, categories });
}

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  up = await startFakeUpstream({ protocol: "openai" });
  member = t.addMember();
  // The local model costs something too, so "billed at the target that answered" is visible.
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 100_000,
    output_micros_per_mtok: 100_000,
    billing_mode: "org",
  });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
});

const ask = (model: string, content = "hi", maxTokens = 8) =>
  member.openai.chat.completions
    .create({ model, messages: [{ role: "user", content }], max_tokens: maxTokens, temperature: 0 })
    .withResponse();

describe("an alias", () => {
  it("is listed in /v1/models with auto, and answers from its first target", async () => {
    const cloud = addPool();
    alias("lab-default", ["tiny", cloud]);
    const ids = (await member.openai.models.list()).data.map((m) => [m.id, m.owned_by]);
    expect(ids).toContainEqual(["lab-default", "benchtop-route"]);
    expect(ids).toContainEqual(["auto", "benchtop-route"]);

    const { data, response } = await ask("lab-default");
    expect(data.model).toBe("lab-default");
    expect(response.headers.get("x-benchtop-route")).toBe("- -> tiny");
    const rows = rowsOf(response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      state: "settled",
      requested_model: "lab-default",
      served_model: "tiny",
      provider: "local",
      fallback_json: null,
    });
    expect(up.requests).toHaveLength(0);
  });

  // Every class a pool fails over on moves the alias to its next target; the caller is billed
  // once, at the price of the target that answered, and each failed attempt is a released row.
  const classes: [string, Behaviour, string][] = [
    ["500", { kind: "error", status: 500 }, "upstream_unavailable"],
    ["503", { kind: "error", status: 503 }, "upstream_unavailable"],
    ["429", { kind: "error", status: 429, retryAfter: "30" }, "upstream_unavailable"],
    ["a dropped connection", { kind: "drop_connection" }, "upstream_unavailable"],
  ];
  for (const [name, behaviour, code] of classes)
    it(`falls back from a pool to the local model on ${name}`, async () => {
      const cloud = addPool();
      alias(`cloud-first-${pools}`, [cloud, "tiny"]);
      up.reset();
      up.script(behaviour);
      const { data, response } = await ask(`cloud-first-${pools}`);
      expect(data.choices[0]!.message.content).not.toBeNull();
      expect(response.headers.get("x-benchtop-route")).toBe("- -> tiny");
      expect(up.requests).toHaveLength(1);
      const rows = rowsOf(response.headers.get("x-request-id")!);
      expect(
        rows.map((r) => [r.attempt, r.state, r.provider, r.served_model, r.cost_micros]),
      ).toEqual([
        [1, "released", "pools", cloud, 0],
        [2, "settled", "local", "tiny", expect.any(Number)],
      ]);
      expect(JSON.parse(rows[1]!.fallback_json!)).toEqual([`${cloud}: ${code}`]);
      // Reserved at the dearest target (the pool's $2/M out), charged at the local model's price.
      const r = rows[1]!;
      expect(r.cost_micros).toBe(
        Math.ceil(((r.prompt_tokens! + r.completion_tokens!) * 100_000) / 1_000_000),
      );
      expect(r.reserved_micros).toBeGreaterThan(
        Math.ceil((r.prompt_tokens! * 100_000 + 8 * 100_000) / 1_000_000),
      );
    });

  it("does not fall back on a request error (400): the caller gets it, one row", async () => {
    const cloud = addPool();
    alias(`strict-${pools}`, [cloud, "tiny"]);
    up.reset();
    up.script({ kind: "error", status: 400, message: "bad parameter", code: "invalid_value" });
    const err = await ask(`strict-${pools}`).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
    expect(up.requests).toHaveLength(1);
    const rows = usageRows(t.core, "requested_model = ?", `strict-${pools}`) as RoutedRow[];
    expect(rows.map((r) => [r.state, r.http_status])).toEqual([["released", 400]]);
  });

  it("moves on from a local model whose context cannot hold the prompt", async () => {
    const cloud = addPool();
    alias("local-first", ["tiny", cloud]);
    up.reset();
    // 600 one-token characters: more than the test model's 512-token context.
    const { data, response } = await ask("local-first", plainText(600));
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    expect(response.headers.get("x-benchtop-route")).toBe(`- -> ${cloud}`);
    const rows = rowsOf(response.headers.get("x-request-id")!);
    expect(rows.map((r) => [r.attempt, r.state, r.error_code])).toEqual([
      [1, "released", "context_length_exceeded"],
      [2, "settled", null],
    ]);
    // The upstream's 11 in + 7 out at $1/M and $2/M.
    expect(rows[1]!.cost_micros).toBe(Math.ceil((11 * 1_000_000 + 7 * 2_000_000) / 1_000_000));
  });

  it("skips a target that no longer exists, and says so in the fallback path", async () => {
    const cloud = addPool();
    alias("stale", ["deleted-model", cloud]);
    up.reset();
    const { response } = await ask("stale");
    const rows = rowsOf(response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "settled", served_model: "gpt-x" });
    expect(JSON.parse(rows[0]!.fallback_json!)).toEqual(["deleted-model: model_not_found"]);
  });

  it("gives the last target's error when every target fails", async () => {
    const a = addPool();
    const b = addPool();
    alias("all-down", [a, b]);
    up.reset();
    up.script({ kind: "error", status: 503 }, { kind: "error", status: 503 });
    const err = await ask("all-down").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503 });
    const rows = usageRows(t.core, "requested_model = ?", "all-down");
    expect(rows.map((r) => [r.attempt, r.state])).toEqual([
      [1, "released"],
      [2, "released"],
    ]);
  });

  it("streams through the chain like a direct model", async () => {
    const cloud = addPool();
    alias(`stream-${pools}`, [cloud, "tiny"]);
    up.reset();
    up.script({ kind: "error", status: 502 });
    const { data: stream, response } = await member.openai.chat.completions
      .create({
        model: `stream-${pools}`,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
        temperature: 0,
        stream: true,
      })
      .withResponse();
    let chunks = 0;
    for await (const chunk of stream) {
      expect(chunk.model).toBe(`stream-${pools}`);
      chunks++;
    }
    expect(chunks).toBeGreaterThan(0);
    const rows = rowsOf(response.headers.get("x-request-id")!);
    expect(rows.map((r) => [r.attempt, r.state, r.stream])).toEqual([
      [1, "released", 1],
      [2, "settled", 1],
    ]);
  });

  it("serves embeddings through an alias and through auto (the embedding category)", async () => {
    alias("embedder", ["gone", "tiny"]);
    const viaAlias = await member.openai.embeddings
      .create({ model: "embedder", input: "hello" })
      .withResponse();
    expect(viaAlias.data.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(viaAlias.response.headers.get("x-benchtop-route")).toBe("- -> tiny");
    const viaAuto = await member.openai.embeddings
      .create({ model: "auto", input: "hello" })
      .withResponse();
    expect(viaAuto.response.headers.get("x-benchtop-route")).toBe("embedding -> tiny");
    const row = rowsOf(viaAuto.response.headers.get("x-request-id")!)[0]!;
    expect(row).toMatchObject({
      endpoint: "embeddings",
      requested_model: "auto",
      served_model: "tiny",
      route_category: "embedding",
      route_classifier: null,
    });
  });
});
