import express from "express";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANONYMOUS_LOOPBACK_SETTING } from "../../src-main/app/createCore.js";
import { createManageRouter } from "../../src-main/server/manage/index.js";
import { AuditRepo } from "../../src-main/store/auditRepo.js";
import { MemberEditsRepo } from "../../src-main/store/memberEditsRepo.js";
import { UsageQueries } from "../../src-main/store/usageQueries.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
});

describe("settings", () => {
  it("reads and validates the org time zone", async () => {
    const tz = t.core.ledger.timeZone();
    expect((await owner.get("/settings")).body).toEqual({
      time_zone: tz,
      anonymous_loopback: false,
      model_idle_ttl_s: 900,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    for (const bad of ["Mars/Olympus_Mons", "+05:00", "", "UTC; DROP TABLE usage"]) {
      const r = await owner.patch("/settings", { time_zone: bad });
      expect(r.status, bad).toBe(400);
      expect(r.body.error.param, bad).toBe("time_zone");
    }
    expect(t.core.ledger.timeZone()).toBe(tz);
    const set = await owner.patch("/settings", { time_zone: "europe/berlin" });
    expect(set.body).toEqual({
      time_zone: "Europe/Berlin",
      anonymous_loopback: false,
      model_idle_ttl_s: 900,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    expect(t.core.ledger.timeZone()).toBe("Europe/Berlin");
    expect(t.core.store.settings.get("org.time_zone")).toBe("Europe/Berlin");
    const unknown = await owner.patch("/settings", { timezone: "UTC" });
    expect(unknown.body.error).toMatchObject({ param: "timezone", code: "unknown_parameter" });
  });

  it("anonymous_loopback is the owner's alone; viewers read, members neither", async () => {
    const admin = client(t, bearer(t.addMember({ role: "admin" }).key));
    const r = await admin.patch("/settings", { anonymous_loopback: true });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ type: "permission_error", param: "anonymous_loopback" });
    expect((await admin.patch("/settings", { time_zone: "UTC" })).status).toBe(200);
    expect((await owner.patch("/settings", { anonymous_loopback: true })).body).toEqual({
      time_zone: "UTC",
      anonymous_loopback: true,
      model_idle_ttl_s: 900,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    expect(t.core.store.settings.get(ANONYMOUS_LOOPBACK_SETTING)).toBe(true);
    // Inference from this machine without a key now works; managing the lab still takes one.
    expect((await fetch(`${t.url}/v1/models`)).status).toBe(200);
    expect((await fetch(`${t.url}/manage/v1/me`)).status).toBe(401);
    await owner.patch("/settings", { anonymous_loopback: false });
    expect((await fetch(`${t.url}/v1/models`)).status).toBe(401);

    const viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
    expect((await viewer.get("/settings")).status).toBe(200);
    expect((await viewer.patch("/settings", { time_zone: "UTC" })).status).toBe(403);
    expect((await client(t, bearer(t.addMember().key)).get("/settings")).status).toBe(403);
  });
});

/** Reads an SSE response into a growing string. */
function readStream(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: "", done: false };
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      state.text += decoder.decode(value, { stream: true });
    }
    state.done = true;
  })();
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!pred()) throw new Error(`timed out waiting for ${what}; got: ${state.text}`);
  };
  return { state, pump, until };
}

const openEvents = (base: string, key: string, signal: AbortSignal) =>
  fetch(`${base}/manage/v1/events`, { headers: bearer(key), signal });

describe("GET /events", () => {
  it("streams changes; members get only their own; unsubscribes on close", async () => {
    const a = t.addMember({ name: "Streamer" });
    const b = t.addMember({ name: "Other" });
    const listeners = t.core.events.size;
    const aborts = [new AbortController(), new AbortController()];
    const aRes = await openEvents(t.url, a.key, aborts[0]!.signal);
    expect(aRes.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const ownerRes = await openEvents(t.url, t.core.ownerToken, aborts[1]!.signal);
    const aStream = readStream(aRes);
    const ownerStream = readStream(ownerRes);
    await aStream.until(() => aStream.state.text.includes(": connected"), "connected");
    expect(t.core.events.size).toBe(listeners + 2);

    const bKey = (await owner.post(`/members/${b.id}/keys`, { name: "b-secret-key" })).body;
    const aKey = (await owner.post(`/members/${a.id}/keys`, { name: "a-key" })).body;
    await owner.put("/prices/tiny", {
      input_micros_per_mtok: 1,
      output_micros_per_mtok: 1,
      billing_mode: "org",
    });
    await ownerStream.until(() => ownerStream.state.text.includes("event: price.set"), "price");
    await aStream.until(() => aStream.state.text.includes(aKey.id), "A's key event");
    expect(ownerStream.state.text).toContain(bKey.id);
    expect(ownerStream.state.text).not.toContain(bKey.key);
    expect(aStream.state.text).not.toContain(bKey.id);
    expect(aStream.state.text).not.toContain(b.id);
    expect(aStream.state.text).not.toContain("price.set");
    const frame = aStream.state.text.split("\n\n").find((f) => f.includes("event: key.create"))!;
    const data = JSON.parse(
      frame
        .split("\n")
        .find((l) => l.startsWith("data: "))!
        .slice(6),
    );
    expect(data).toEqual({
      type: "key.create",
      member_id: a.id,
      data: { ...aKey, key: undefined },
    });
    expect(frame).not.toContain(aKey.key);

    for (const c of aborts) c.abort();
    await aStream.pump;
    await ownerStream.pump;
    await aStream.until(() => t.core.events.size === listeners, "unsubscribe");
  });

  it("ends a stream when its key is revoked", async () => {
    const m = t.addMember();
    const res = await openEvents(t.url, m.key, new AbortController().signal);
    const s = readStream(res);
    await s.until(() => s.state.text.includes(": connected"), "connected");
    await owner.del(`/keys/${m.keyId}`);
    await s.until(() => s.state.done, "the stream to end");
    expect(s.state.text).toContain("event: key.revoke");
  });

  it("sends a ': ping' heartbeat", async () => {
    // The same router with a 50 ms heartbeat, behind a stand-in for the auth middleware.
    const app = express();
    app.use((_req, res, next) => {
      res.locals.principal = { memberId: t.core.ownerId, role: "owner", keyId: null };
      next();
    });
    app.use(
      "/manage/v1",
      createManageRouter({
        db: t.core.db,
        store: t.core.store,
        memberEdits: new MemberEditsRepo(t.core.db),
        audit: new AuditRepo(t.core.db),
        usage: new UsageQueries(t.core.db),
        ledger: t.core.ledger,
        events: t.core.events,
        anonymousLoopbackSetting: ANONYMOUS_LOOPBACK_SETTING,
        cipher: t.core.cipher,
        poolHealth: () => t.core.pools.health(),
        localModelExists: () => Promise.resolve(false),
        explainRoute: (q) => t.core.gateway.explainRoute(q),
        guard: t.core.guard,
        eventsHeartbeatMs: 50,
      }),
    );
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const abort = new AbortController();
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await openEvents(`http://127.0.0.1:${port}`, "unused", abort.signal);
      const s = readStream(res);
      await s.until(() => s.state.text.split(": ping\n\n").length > 2, "two pings");
    } finally {
      abort.abort();
      server.closeAllConnections();
      server.close();
    }
  });
});
