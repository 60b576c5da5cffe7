import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createAuditStore } from "../../../src-renderer/stores/useAuditStore";
import { createServerStore } from "../../../src-renderer/stores/useServerStore";
import { startTestServer, type TestServer } from "../../helpers/testServer";

let t: TestServer;
const clientFor = (key: string) => async () =>
  createApiClient(t.url, { apiKey: () => key, timeoutMs: 30_000 });
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe("useServerStore (staff part)", () => {
  it("reads /server and /settings, and writes them through PATCH", async () => {
    const store = createServerStore({ connect: clientFor(t.core.ownerToken) });
    await store.getState().loadServer();
    const port = Number(new URL(t.url).port);
    expect(store.getState().server).toMatchObject({ host: "127.0.0.1", port, api_paused: false });
    expect(store.getState().serverError).toBeUndefined();

    const paused = await store.getState().updateServer({ api_paused: true });
    expect(paused.api_paused).toBe(true);
    expect(store.getState().server?.api_paused).toBe(true);
    expect(t.core.serverControl.apiPaused).toBe(true);
    await store.getState().updateServer({ api_paused: false });

    await store.getState().loadSettings();
    expect(store.getState().settings).toEqual({
      time_zone: t.core.ledger.timeZone(),
      anonymous_loopback: false,
      model_idle_ttl_s: 900,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    const saved = await store.getState().saveSettings({ retention_days: 400 });
    expect(saved.retention_days).toBe(400);
    expect(store.getState().settings?.retention_days).toBe(400);

    // Refusals come back as the server's error, and the state keeps what the server said.
    const err = await store
      .getState()
      .updateServer({ lan: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).serverError?.code).toBe("lan_requires_member_key");
    expect(store.getState().server?.lan).toBe(false);

    store.getState().reset();
    expect(store.getState().server).toBeUndefined();
    expect(store.getState().settings).toBeUndefined();
  });

  it("keeps a member's 403 in serverError", async () => {
    const store = createServerStore({ connect: clientFor(t.addMember().key) });
    await store.getState().loadServer();
    expect(store.getState().server).toBeUndefined();
    expect(store.getState().serverError).toMatch(/403/);
  });
});

describe("useAuditStore", () => {
  it("pages newest first, names actors, and verifies the chain", async () => {
    const owner = await clientFor(t.core.ownerToken)();
    for (let i = 0; i < 7; i++) await owner.manage("POST /members", { body: { name: `M${i}` } });
    const total = (await owner.manage("GET /audit/verify")).rows;
    expect(total).toBeGreaterThan(7);

    const store = createAuditStore({ connect: clientFor(t.core.ownerToken), pageSize: 5 });
    await store.getState().loadFirst();
    const first = store.getState();
    expect(first.entries.map((e) => e.seq)).toEqual([
      total,
      total - 1,
      total - 2,
      total - 3,
      total - 4,
    ]);
    expect(first.entries[0]!.action).toBe("member.create");
    expect(first.hasMore).toBe(true);
    const me = await owner.getMe();
    expect(first.names[me.id]).toBe(me.name);

    await store.getState().nextPage();
    expect(store.getState().cursors).toEqual([total - 4]);
    expect(store.getState().entries[0]!.seq).toBe(total - 5);
    await store.getState().prevPage();
    expect(store.getState().cursors).toEqual([]);
    expect(store.getState().entries[0]!.seq).toBe(total);

    await store.getState().verify();
    expect(store.getState().verification).toEqual({ ok: true, rows: total, first_bad_seq: null });
  });
});
