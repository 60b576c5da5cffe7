import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient, type ApiClient } from "../../../src-renderer/api/createApiClient";
import type { ServerEvent } from "../../../src-renderer/api/serverEvents";
import { createMemberDetailStore } from "../../../src-renderer/stores/useMemberDetailStore";
import { createMembersStore } from "../../../src-renderer/stores/useMembersStore";
import { createOrgLimitsStore } from "../../../src-renderer/stores/useOrgLimitsStore";
import { startTestServer, type TestServer } from "../../helpers/testServer";

type Listener = { prefixes: readonly string[]; fn: (e: ServerEvent) => void };

/** The server's real event stream (owner's view), fanned out like the app's events store. */
function liveEvents(api: ApiClient) {
  const listeners = new Set<Listener>();
  const stop = new AbortController();
  let seen = 0;
  const following = api
    .followEvents((e) => {
      seen++;
      for (const l of listeners) if (l.prefixes.some((p) => e.type.startsWith(p))) l.fn(e);
    }, stop.signal)
    .catch(() => undefined);
  return {
    subscribe(prefixes: readonly string[], fn: (e: ServerEvent) => void) {
      const entry = { prefixes, fn };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    /** Resolves once the stream delivers events (a write is repeated until one arrives). */
    async ready(write: () => Promise<unknown>) {
      for (let i = 0; i < 50 && seen === 0; i++) {
        await write();
        await sleep(100);
      }
      if (seen === 0) throw new Error("the event stream delivered nothing");
    },
    async close() {
      stop.abort();
      await following;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded: 20 s) until `check` holds; live updates arrive asynchronously. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`never happened: ${what}`);
}

let t: TestServer;
let owner: ApiClient;
let events: ReturnType<typeof liveEvents>;
beforeAll(async () => {
  t = await startTestServer();
  owner = createApiClient(t.url, { apiKey: () => t.core.ownerToken, timeoutMs: 30_000 });
  // Priced, so requests cost something the gauges can show.
  await owner.manage("PUT /prices/*model", {
    params: { model: "tiny" },
    body: {
      input_micros_per_mtok: 500_000,
      output_micros_per_mtok: 1_500_000,
      billing_mode: "org",
    },
  });
  events = liveEvents(owner);
  await events.ready(() => owner.manage("PUT /limits/default", { body: {} }));
});
afterAll(async () => {
  await events?.close();
  await t?.close();
});

describe("the members store against a real server", () => {
  it("lists members with the server's own numbers, kept live by events", async () => {
    const store = createMembersStore({ connect: async () => owner, subscribe: events.subscribe });
    const stop = store.getState().follow();
    await store.getState().refresh();
    expect(store.getState().loaded).toBe(true);
    expect(store.getState().members.map((m) => m.role)).toEqual(["owner"]);

    const ada = await store.getState().createMember({ name: "Ada", email: "ada@lab.example" });
    expect(store.getState().members.map((m) => m.name)).toEqual(["Owner", "Ada"]);
    const created = await owner.manage("POST /members/:id/keys", {
      params: { id: ada.id },
      body: { name: "laptop" },
    });
    const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: created.key, maxRetries: 0 });
    await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Hello!" }],
      max_tokens: 4,
    });

    const server = await owner.manage("GET /members/:id/status", { params: { id: ada.id } });
    expect(server.spend_today_micros).toBeGreaterThan(0);
    await until(
      "the usage event refreshed Ada's row",
      () => store.getState().requestsToday[ada.id] === 1,
    );
    await until(
      "Ada's spend matches the server's",
      () => store.getState().status[ada.id]?.spend_today_micros === server.spend_today_micros,
    );
    expect(store.getState().status[ada.id]!.spend_month_micros).toBe(server.spend_month_micros);

    // Limits set elsewhere reach the row through `limits.set`.
    await owner.manage("PUT /members/:id/limits", {
      params: { id: ada.id },
      body: { daily_cap_micros: 100_000 },
    });
    await until(
      "the new cap arrived",
      () => store.getState().effective[ada.id]?.daily_cap_micros === 100_000,
    );

    await store.getState().setStatus(ada.id, "disabled");
    expect(store.getState().members.find((m) => m.id === ada.id)?.status).toBe("disabled");
    const refused = await client.models.list().catch((e: unknown) => e);
    expect((refused as { status?: number }).status).toBe(401);

    await store.getState().deleteMember(ada.id);
    expect(store.getState().members.map((m) => m.name)).toEqual(["Owner"]);
    stop();
    store.getState().reset();
    expect(store.getState().members).toEqual([]);
    expect(store.getState().loaded).toBe(false);
  });
});

describe("the member detail store", () => {
  it("shows a member only their own things, and a new key once", async () => {
    const bo = t.addMember({ name: "Bo" });
    t.addMember({ name: "Cy" });
    const api = createApiClient(t.url, { apiKey: () => bo.key, timeoutMs: 30_000 });
    const store = createMemberDetailStore({ connect: async () => api, subscribe: () => () => {} });
    await store.getState().open(bo.id, { staff: false });
    const s = store.getState();
    expect(s.member?.name).toBe("Bo");
    expect(s.keys.map((k) => k.id)).toEqual([bo.keyId]);
    expect(s.prices).toEqual([]);
    // Routing is staff's to read: a member's page never asks for the categories.
    expect(s.categories).toEqual([]);
    expect(s.requestsToday).toBe(0);
    expect(s.credits?.balance_micros).toBe(0);
    expect(s.error).toBeUndefined();

    const created = await store.getState().createKey({ name: "ci" });
    expect(created.key.startsWith("btk_")).toBe(true);
    const listed = store.getState().keys;
    expect(listed.map((k) => k.name)).toEqual(["ci", "test"]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await store.getState().revokeKey(created.id);
    expect(store.getState().keys.find((k) => k.id === created.id)?.status).toBe("revoked");

    // Another member's page is a 404 to a member.
    const cy = (await owner.manage("GET /members")).data.find((m) => m.name === "Cy")!;
    await store.getState().open(cy.id, { staff: false });
    expect(store.getState().notFound).toBe(true);
    expect(store.getState().member).toBeUndefined();
    // And limits are the owner's and admins' to set.
    await store.getState().open(bo.id, { staff: false });
    const err = await store
      .getState()
      .putLimits({ rpm: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).status).toBe(403);
  });

  it("offers staff the routing categories for access by category, the lab's own included", async () => {
    await owner.manage("PUT /routing/categories/:name", {
      params: { name: "lab-docs" },
      body: { description: "Questions about the lab's own documents." },
    });
    const builtins = ["simple", "general", "reasoning", "code", "embedding"];
    const di = t.addMember({ name: "Di" });
    const detail = createMemberDetailStore({
      connect: async () => owner,
      subscribe: () => () => {},
    });
    await detail.getState().open(di.id, { staff: true });
    expect(detail.getState().categories).toEqual([...builtins, "lab-docs"]);
    expect(detail.getState().error).toBeUndefined();
    const org = createOrgLimitsStore({ connect: async () => owner, subscribe: () => () => {} });
    await org.getState().refresh();
    expect(org.getState().categories).toEqual([...builtins, "lab-docs"]);
  });

  it("shows a member's body retention; only the owner changes it", async () => {
    const ev = t.addMember({ name: "Ev" });
    const mine = createMemberDetailStore({
      connect: async () => createApiClient(t.url, { apiKey: () => ev.key, timeoutMs: 30_000 }),
      subscribe: () => () => {},
    });
    await mine.getState().open(ev.id, { staff: false });
    // A member reads their own: off, as the org says.
    expect(mine.getState().bodyRetention).toEqual({
      member_id: ev.id,
      body_retention_days: null,
      org_body_retention_days: null,
      effective_days: null,
    });
    const err = await mine
      .getState()
      .setBodyRetention(7)
      .catch((e: unknown) => e);
    expect((err as ApiRequestError).status).toBe(403);

    const detail = createMemberDetailStore({
      connect: async () => owner,
      subscribe: () => () => {},
    });
    await detail.getState().open(ev.id, { staff: true });
    await detail.getState().setBodyRetention(7);
    expect(detail.getState().bodyRetention).toMatchObject({
      body_retention_days: 7,
      effective_days: 7,
    });
    await detail.getState().setBodyRetention(0);
    expect(detail.getState().bodyRetention).toMatchObject({
      body_retention_days: 0,
      effective_days: null,
    });
    await detail.getState().setBodyRetention(null);
    expect(detail.getState().bodyRetention?.body_retention_days).toBeNull();
  });
});
