import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src-main/app/config.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";

/**
 * The pools' active probe: a target whose circuit has cooled down is checked with a model
 * listing (GET /v1/models, free upstream) before a member's request is risked on it. The test
 * server runs no probe timer (fake clock); the test calls probeDue() as the timer would.
 */
let t: TestServer;
let a: FakeUpstream;
let b: FakeUpstream;
let member: TestMember;
let clock = Date.parse("2026-06-01T12:00:00Z");
const KEY_A = "sk-probe-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA01";
let keyA: string;

beforeAll(async () => {
  t = await startTestServer({ now: () => clock });
  a = await startFakeUpstream({ protocol: "openai" });
  b = await startFakeUpstream({ protocol: "openai" });
  const { connections, pools } = t.core.store;
  const add = (name: string, url: string, key: string) => {
    const c = connections.create({
      name,
      kind: "openai_compatible",
      baseUrl: `${url}/v1`,
      headers: {},
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
  const first = add("A", a.url, KEY_A);
  const second = add("B", b.url, "sk-probe-B");
  keyA = first.k.id;
  pools.put({
    id: "probe-model",
    strategy: "priority",
    maxAttempts: 3,
    targets: [
      { connectionId: first.c.id, upstreamModel: "gpt-4o-mini", priority: 0, weight: 1 },
      { connectionId: second.c.id, upstreamModel: "gpt-4o-mini", priority: 1, weight: 1 },
    ],
  });
  member = t.addMember();
});
afterEach(() => {
  a.reset();
  b.reset();
  a.fallback = { kind: "ok" };
});
afterAll(async () => {
  await t?.close();
  await a?.close();
  await b?.close();
});

const ask = () =>
  member.openai.chat.completions.create({
    model: "probe-model",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 5,
  });
const paths = (u: FakeUpstream) => u.requests.map((r) => `${r.method} ${r.path}`);
const stateOfA = () =>
  Object.entries(t.core.pools.health()).find(([id]) => id.includes(`/${keyA}/`))?.[1];

describe("active probe of cooled-down targets", () => {
  it("probes only targets whose cooldown ended, and keeps a still-failing one out of traffic", async () => {
    expect(await t.core.pools.probeDue()).toBe(0); // nothing broken: no upstream is called
    expect([a.requests.length, b.requests.length]).toEqual([0, 0]);

    a.fallback = { kind: "error", status: 500 };
    for (let i = 0; i < 3; i++) await ask(); // three failures open A's circuit (B answers)
    expect(stateOfA()?.state).toBe("open");
    expect(await t.core.pools.probeDue()).toBe(0); // still cooling down: not probed
    a.reset();

    clock += 30_001; // the default cooldown is 30 s: A is half-open
    expect(await t.core.pools.probeDue()).toBe(1);
    expect(paths(a)).toEqual(["GET /v1/models"]); // the probe, not a member's request
    expect(stateOfA()?.state).toBe("open"); // it failed: a full cooldown again

    await ask();
    expect(paths(a)).toEqual(["GET /v1/models"]); // the member's request went to B
    expect(b.requests.at(-1)?.path).toBe("/v1/chat/completions");
  });

  it("closes the circuit when the probe succeeds, so the next request goes back to A", async () => {
    clock += 30_001;
    expect(await t.core.pools.probeDue()).toBe(1);
    expect(paths(a)).toEqual(["GET /v1/models"]);
    expect(stateOfA()).toMatchObject({ state: "closed", available: true, consecutiveFailures: 0 });
    const before = b.requests.length;
    await ask();
    expect(paths(a)).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
    expect(b.requests.length).toBe(before);
  });

  it("classifies a probe's failure like real traffic: a 401 disables the key", async () => {
    a.fallback = { kind: "error", status: 500 };
    for (let i = 0; i < 3; i++) await ask();
    clock += 30_001;
    a.acceptKeys = ["sk-some-other-key"];
    try {
      expect(await t.core.pools.probeDue()).toBe(1);
      expect(t.core.store.connections.key(keyA)!.status).toBe("disabled");
      expect(stateOfA()?.disabledReason).not.toBeNull();
      clock += 60_000;
      a.reset();
      expect(await t.core.pools.probeDue()).toBe(0); // a disabled key is never probed
      expect(a.requests).toHaveLength(0);
    } finally {
      a.acceptKeys = undefined;
    }
  });

  it("runs every 10 s by default and can be turned off", () => {
    const base = { dataDir: "/tmp/x", modelsDir: "/tmp/x/models" };
    expect(ConfigSchema.parse(base).pools.probeIntervalS).toBe(10);
    expect(ConfigSchema.parse({ ...base, pools: { probeIntervalS: 0 } }).pools.probeIntervalS).toBe(
      0,
    );
  });
});
