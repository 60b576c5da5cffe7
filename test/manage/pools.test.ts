import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client, notFoundBody } from "./manageClient.js";

/**
 * Pools through the management API and then through /v1: the official OpenAI SDK calls
 * Benchtop with a member key; Benchtop calls fake OpenAI-compatible upstreams on loopback.
 */
let t: TestServer;
let a: FakeUpstream;
let b: FakeUpstream;
let owner: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
let member: TestMember;
const KEY_A = "sk-pool-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
const KEY_B = "sk-pool-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
let conA: string;
let conB: string;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  t = await startTestServer();
  a = await startFakeUpstream({ protocol: "openai" });
  b = await startFakeUpstream({ protocol: "openai" });
  a.acceptKeys = [KEY_A];
  b.acceptKeys = [KEY_B];
  owner = client(t, t.auth);
  viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
  member = t.addMember();
  const add = async (name: string, url: string, key: string) => {
    const c = await owner.post("/connections", {
      name,
      kind: "openai_compatible",
      base_url: `${url}/v1`,
    });
    const k = await owner.post(`/connections/${c.body.id}/keys`, { label: "main", key });
    return [c.body.id as string, k.body.id as string] as const;
  };
  [conA, keyA] = await add("upstream A", a.url, KEY_A);
  [conB, keyB] = await add("upstream B", b.url, KEY_B);
});
afterEach(() => {
  a.reset();
  b.reset();
  a.acceptKeys = [KEY_A];
  b.acceptKeys = [KEY_B];
});
afterAll(async () => {
  await t?.close();
  await a?.close();
  await b?.close();
});

/** A target nothing has been sent to yet. */
const untouched = (connectionId: string, keyId: string, model: string) => ({
  target_id: `${connectionId}/${keyId}/${model}`,
  connection_id: connectionId,
  key_id: keyId,
  upstream_model: model,
  key_status: "active",
  state: "closed",
  available: true,
  in_flight: 0,
  latency_ms: null,
  resting_until_ms: null,
  disabled_reason: null,
  exhausted: false,
  exhausted_until_ms: null,
  consecutive_failures: 0,
  open_until_ms: null,
});

const chat = (model: string, c: OpenAI = member.openai) =>
  c.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });

describe("pools", () => {
  it("PUT creates a pool answered field for field; a chat through it then works", async () => {
    const r = await owner.put("/pools/gpt-4o-mini", {
      strategy: "priority",
      targets: [
        { connection_id: conA, upstream_model: "gpt-4o-mini", priority: 0 },
        { connection_id: conB, upstream_model: "gpt-4o-mini-2024", priority: 1, weight: 3 },
      ],
    });
    expect(r.status).toBe(200);
    const pool = t.core.store.pools.get("gpt-4o-mini")!;
    expect(r.body).toEqual({
      id: "gpt-4o-mini",
      strategy: "priority",
      max_attempts: 3,
      targets: [
        {
          connection_id: conA,
          upstream_model: "gpt-4o-mini",
          priority: 0,
          weight: 1,
          health: [untouched(conA, keyA, "gpt-4o-mini")],
        },
        {
          connection_id: conB,
          upstream_model: "gpt-4o-mini-2024",
          priority: 1,
          weight: 3,
          health: [untouched(conB, keyB, "gpt-4o-mini-2024")],
        },
      ],
      created_ms: pool.createdMs,
      updated_ms: pool.updatedMs,
    });
    const config = {
      id: "gpt-4o-mini",
      strategy: "priority",
      max_attempts: 3,
      targets: r.body.targets.map(({ health: _h, ...target }: { health: unknown }) => target),
      created_ms: pool.createdMs,
      updated_ms: pool.updatedMs,
    };
    const audit = auditRows(t).at(-1)!;
    expect(audit).toMatchObject({
      action: "pool.set",
      target_type: "pool",
      target_id: "gpt-4o-mini",
    });
    expect(audit.before_json).toBeNull();
    expect(JSON.parse(audit.after_json as string)).toEqual(config);

    const answer = await chat("gpt-4o-mini");
    expect(answer.choices[0]!.message.content).toBe("Hello from upstream");
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]!.body).toMatchObject({ model: "gpt-4o-mini" });
    expect(b.requests).toHaveLength(0);

    const listed = await viewer.get("/pools");
    expect(listed.body.data).toHaveLength(1);
    const [first, second] = listed.body.data[0].targets;
    expect(first.health).toEqual([
      { ...untouched(conA, keyA, "gpt-4o-mini"), latency_ms: expect.any(Number) },
    ]);
    expect(second.health).toEqual([untouched(conB, keyB, "gpt-4o-mini-2024")]);
    expect((await viewer.get("/pools/gpt-4o-mini")).body).toEqual(listed.body.data[0]);
  });

  it("PUT replaces the pool (audited before and after); ids may contain '/'", async () => {
    const body = {
      strategy: "weighted",
      max_attempts: 2,
      targets: [{ connection_id: conB, upstream_model: "org/model-b", weight: 5 }],
    };
    const first = await owner.put("/pools/lab/model-x", body);
    expect(first.body).toMatchObject({ id: "lab/model-x", strategy: "weighted", max_attempts: 2 });
    const second = await owner.put("/pools/lab/model-x", {
      ...body,
      strategy: "round_robin",
      targets: [
        { connection_id: conA, upstream_model: "a-model" },
        { connection_id: conB, upstream_model: "org/model-b", weight: 5 },
      ],
    });
    expect(second.body.strategy).toBe("round_robin");
    expect(second.body.targets).toHaveLength(2);
    expect(second.body.targets[1].health[0].target_id).toBe(`${conB}/${keyB}/org/model-b`);
    const audit = auditRows(t).at(-1)!;
    expect(JSON.parse(audit.before_json as string)).toMatchObject({
      id: "lab/model-x",
      strategy: "weighted",
      targets: [{ connection_id: conB, upstream_model: "org/model-b", priority: 0, weight: 5 }],
    });
    expect(JSON.parse(audit.after_json as string)).toMatchObject({ strategy: "round_robin" });
    expect((await owner.get("/pools/lab/model-x")).body).toEqual(second.body);

    b.reset();
    const answer = await chat("lab/model-x");
    expect(answer.choices[0]!.message.content).toBe("Hello from upstream");
    const models = (await member.openai.models.list()).data.map((m) => m.id);
    expect(models).toContain("lab/model-x");

    const deleted = await owner.del("/pools/lab/model-x");
    expect(deleted.body).toEqual({ id: "lab/model-x", deleted: true });
    expect(auditRows(t).at(-1)).toMatchObject({ action: "pool.delete", after_json: null });
    expect((await owner.get("/pools/lab/model-x")).body).toEqual(notFoundBody("pool"));
    expect((await owner.del("/pools/lab/model-x")).body).toEqual(notFoundBody("pool"));
    const gone = await chat("lab/model-x").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("refuses a local model's id (409) and bad targets (400), writing nothing", async () => {
    const rows = auditCount(t);
    const target = { connection_id: conA, upstream_model: "m" };
    const taken = await owner.put("/pools/tiny", { strategy: "priority", targets: [target] });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({
      code: "model_id_taken",
      type: "invalid_request_error",
    });

    const gone = (await owner.post("/connections", { name: "gone", kind: "openai" })).body.id;
    await owner.del(`/connections/${gone}`);
    const rowsAfterSetup = auditCount(t);
    const cases: [unknown, string, string?][] = [
      [
        { strategy: "priority", targets: [{ ...target, connection_id: "con_0123456789abcdef" }] },
        "targets[0].connection_id",
      ],
      [
        { strategy: "priority", targets: [target, { ...target, connection_id: gone }] },
        "targets[1].connection_id",
      ],
      [{ strategy: "priority", targets: [target, { ...target, priority: 2 }] }, "targets[1]"],
      [{ strategy: "priority", targets: [] }, "targets"],
      [
        {
          strategy: "priority",
          targets: Array.from({ length: 51 }, (_, i) => ({ ...target, upstream_model: `m${i}` })),
        },
        "targets",
      ],
      [{ strategy: "priority", max_attempts: 11, targets: [target] }, "max_attempts"],
      [{ strategy: "priority", max_attempts: 0, targets: [target] }, "max_attempts"],
      [{ strategy: "fastest", targets: [target] }, "strategy"],
      [{ targets: [target] }, "strategy"],
      [{ strategy: "weighted", targets: [{ ...target, weight: 0 }] }, "targets[0].weight"],
      [
        { strategy: "priority", targets: [{ ...target, api_key: "x" }] },
        "targets[0].api_key",
        "unknown_parameter",
      ],
    ];
    for (const [body, param, code = "invalid_value"] of cases) {
      const r = await owner.put("/pools/new-pool", body);
      expect(r.status, param).toBe(400);
      expect(r.body.error, param).toMatchObject({ param, code });
    }
    const spaced = await owner.put("/pools/has%20space", {
      strategy: "priority",
      targets: [target],
    });
    expect(spaced.body.error).toMatchObject({ param: "id", code: "invalid_value" });
    expect(auditCount(t)).toBe(rowsAfterSetup);
    expect(rowsAfterSetup - rows).toBe(2);
    expect(t.core.store.pools.get("new-pool")).toBeUndefined();
  });

  it("a key the upstream refuses (401) is disabled; PATCH status active re-enables it", async () => {
    await owner.put("/pools/solo", {
      strategy: "priority",
      max_attempts: 1,
      targets: [{ connection_id: conA, upstream_model: "gpt-4o-mini" }],
    });
    a.acceptKeys = ["sk-some-other-key-000000000000"];
    const refused = await chat("solo").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(JSON.stringify(refused)).not.toContain(KEY_A);
    const key = (await viewer.get(`/connections/${conA}`)).body.keys[0];
    expect(key).toMatchObject({
      id: keyA,
      status: "disabled",
      status_reason: "the upstream refused the key (401/403)",
    });
    const health = (await viewer.get(`/connections/${conA}/health`)).body.data;
    expect(health).toContainEqual(
      expect.objectContaining({
        target_id: `${conA}/${keyA}/gpt-4o-mini`,
        key_status: "disabled",
        available: false,
        disabled_reason: "the upstream refused the key (401/403)",
      }),
    );
    // Nothing reaches the upstream with a disabled key.
    a.acceptKeys = [KEY_A];
    a.reset();
    expect(
      await chat("solo").catch((e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).status),
    ).toBe(503);
    expect(a.requests).toHaveLength(0);

    const enabled = await owner.patch(`/connection-keys/${keyA}`, { status: "active" });
    expect(enabled.body).toMatchObject({ id: keyA, status: "active", status_reason: null });
    const after = (await viewer.get(`/connections/${conA}/health`)).body.data;
    expect(after).toContainEqual(
      expect.objectContaining({
        target_id: `${conA}/${keyA}/gpt-4o-mini`,
        key_status: "active",
        available: true,
        disabled_reason: null,
      }),
    );
    const answer = await chat("solo");
    expect(answer.choices[0]!.message.content).toBe("Hello from upstream");
    expect(a.requests).toHaveLength(1);
    await owner.del("/pools/solo");
  });

  it("per-connection usage sums the settled requests each connection answered", async () => {
    await owner.put("/prices/usage-pool", {
      input_micros_per_mtok: 150_000,
      output_micros_per_mtok: 600_000,
      billing_mode: "org",
    });
    await owner.put("/pools/usage-pool", {
      strategy: "priority",
      max_attempts: 2,
      targets: [
        { connection_id: conB, upstream_model: "b-model", priority: 0 },
        { connection_id: conA, upstream_model: "a-model", priority: 1 },
      ],
    });
    const beforeA = (await viewer.get(`/connections/${conA}/usage`)).body.totals;
    const beforeB = (await viewer.get(`/connections/${conB}/usage`)).body.totals;
    const start = Date.now();
    await chat("usage-pool");
    await chat("usage-pool");
    // B fails once with a 500: the pool moves on to A, and B's attempt counts as failed.
    b.script({ kind: "error", status: 500 });
    await chat("usage-pool");
    const cost = Math.ceil((11 * 150_000 + 7 * 600_000) / 1_000_000);
    const usageB = (await viewer.get(`/connections/${conB}/usage?start_ms=${start}`)).body;
    expect(usageB).toEqual({
      connection_id: conB,
      start_ms: start,
      end_ms: null,
      totals: {
        requests: 2,
        prompt_tokens: 22,
        completion_tokens: 14,
        cached_tokens: 0,
        cost_micros: 2 * cost,
        estimated_requests: 0,
        failed_attempts: 1,
      },
      by_model: [
        {
          upstream_model: "b-model",
          requests: 2,
          prompt_tokens: 22,
          completion_tokens: 14,
          cached_tokens: 0,
          cost_micros: 2 * cost,
          estimated_requests: 0,
          failed_attempts: 1,
        },
      ],
    });
    const usageA = (await viewer.get(`/connections/${conA}/usage?start_ms=${start}`)).body;
    expect(usageA.totals).toMatchObject({ requests: 1, prompt_tokens: 11, cost_micros: cost });
    expect(usageA.by_model.map((m: { upstream_model: string }) => m.upstream_model)).toEqual([
      "a-model",
    ]);
    const allA = (await viewer.get(`/connections/${conA}/usage`)).body.totals;
    expect(allA.requests - beforeA.requests).toBe(1);
    expect((await viewer.get(`/connections/${conB}/usage`)).body.totals.requests).toBe(
      beforeB.requests + 2,
    );
    const bad = await viewer.get(`/connections/${conA}/usage?start_ms=10&end_ms=5`);
    expect(bad.body.error.param).toBe("end_ms");
    await owner.del("/pools/usage-pool");
  });

  it("members get 403 on every pool route; viewers read only", async () => {
    const m = client(t, bearer(member.key));
    const rows = auditCount(t);
    const body = { strategy: "priority", targets: [{ connection_id: conA, upstream_model: "m" }] };
    for (const r of [
      await m.get("/pools"),
      await m.get("/pools/gpt-4o-mini"),
      await m.put("/pools/gpt-4o-mini", body),
      await m.del("/pools/gpt-4o-mini"),
      await viewer.put("/pools/gpt-4o-mini", body),
      await viewer.del("/pools/gpt-4o-mini"),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({
        type: "permission_error",
        code: "insufficient_permissions",
      });
    }
    expect(auditCount(t)).toBe(rows);
    expect((await viewer.get("/pools/gpt-4o-mini")).status).toBe(200);
  });
});
