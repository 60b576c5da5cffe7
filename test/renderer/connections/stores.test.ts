import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createConnectionsStore } from "../../../src-renderer/stores/useConnectionsStore";
import { createPoolsStore } from "../../../src-renderer/stores/usePoolsStore";
import { startFakeUpstream, type FakeUpstream } from "../../fixtures/fakeUpstream";
import { startTestServer, type TestServer } from "../../helpers/testServer";

const CANARY = "sk-store-canary-5Fh8Jk2Lm4Np6Qr8St0Uv2Wx-Z9yA";

let t: TestServer;
let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream({ protocol: "openai", models: ["m-1", "m-2"] });
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const clientFor = (key: string) => async () => createApiClient(t.url, { apiKey: () => key });

describe("the connections and pools stores against a real server", () => {
  it("add, test, pool and price; the store never holds a provider key", async () => {
    const connections = createConnectionsStore({ api: clientFor(t.core.ownerToken) });
    const pools = createPoolsStore({ api: clientFor(t.core.ownerToken), now: () => 42 });
    const s = () => connections.getState();

    const created = await s().create({
      name: "fake",
      kind: "openai_compatible",
      base_url: `${fake.url}/v1`,
    });
    expect(s().connections.map((c) => c.id)).toEqual([created.id]);
    const key = await s().addKey(created.id, { label: "canary", key: CANARY });
    expect(key).toMatchObject({ label: "canary", last4: "Z9yA", status: "active" });
    expect(s().connections[0]!.keys).toHaveLength(1);

    await s().test(created.id);
    expect(s().tests[created.id]).toMatchObject({
      running: false,
      result: { ok: true, key_id: key.id, models: ["m-1", "m-2"] },
    });

    await pools.getState().save("store-pool", {
      strategy: "priority",
      max_attempts: 2,
      targets: [{ connection_id: created.id, upstream_model: "m-1", priority: 0, weight: 1 }],
    });
    expect(pools.getState()).toMatchObject({ loaded: true, checkedAt: 42 });
    expect(pools.getState().pools.map((p) => p.id)).toEqual(["store-pool"]);
    await pools.getState().setPrice("store-pool", {
      input_micros_per_mtok: 150_000,
      output_micros_per_mtok: 600_000,
      billing_mode: "org",
    });
    expect(pools.getState().prices).toEqual([
      {
        model: "store-pool",
        input_micros_per_mtok: 150_000,
        output_micros_per_mtok: 600_000,
        billing_mode: "org",
      },
    ]);

    // A call through the pool, then health and usage as the detail page reads them.
    const member = t.addMember();
    await member.openai.chat.completions.create({
      model: "store-pool",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 8,
    });
    await s().refreshDetail(created.id);
    expect(s().usage[created.id]!.totals).toMatchObject({
      requests: 1,
      prompt_tokens: 11,
      completion_tokens: 7,
      // 11 × 0.15 + 7 × 0.60 per million tokens, in µ$, rounded up by the ledger.
      cost_micros: 6,
      failed_attempts: 0,
    });
    expect(s().health[created.id]).toEqual([
      expect.objectContaining({ key_id: key.id, upstream_model: "m-1", available: true }),
    ]);

    await s().setKeyStatus(key.id, "disabled");
    expect(s().connections[0]!.keys[0]).toMatchObject({
      status: "disabled",
      status_reason: "disabled by an admin",
    });
    expect(JSON.stringify(s())).not.toContain(CANARY);

    // A test with no active key is refused by the server, and said so.
    await s().test(created.id);
    expect(s().tests[created.id]!.error).toMatch(/409 This connection has no active key/);

    // A connection in a pool cannot be deleted; the store keeps it and the caller gets why.
    const refused = await s()
      .remove(created.id)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiRequestError);
    expect((refused as ApiRequestError).serverError?.code).toBe("connection_in_use");
    expect(s().connections).toHaveLength(1);

    s().reset();
    expect(s()).toMatchObject({ connections: [], loaded: false, health: {}, tests: {} });
  });

  it("a viewer reads but cannot change; the store reports the server's refusal", async () => {
    const viewer = t.addMember({ role: "viewer" });
    const connections = createConnectionsStore({ api: clientFor(viewer.key) });
    await connections.getState().refresh();
    expect(connections.getState().connections).toHaveLength(1);
    const refused = await connections
      .getState()
      .create({ name: "x", kind: "openai" })
      .catch((e: unknown) => e);
    expect((refused as ApiRequestError).status).toBe(403);
  });
});
