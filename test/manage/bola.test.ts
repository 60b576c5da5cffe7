import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manageRoutes } from "../../src-main/server/manage/index.js";
import { ACCESS, type ManageRoute } from "../../src-main/server/manage/routeTable.js";
import { startTestServer, type TestServer, type TestMember } from "../helpers/testServer.js";
import { auditCount, bearer, call, client, notFoundBody, type Auth } from "./manageClient.js";

/**
 * Object- and function-level authorization (OWASP API1/API5), enumerated from the route
 * table itself: a route added without a row here fails the "covers every route" test.
 */

let t: TestServer;
let a: TestMember;
let viewer: TestMember;
/** Member B: the victim, with canary strings that must never reach A. */
const b = { id: "", keyId: "", key: "", name: "", email: "", conversationId: "", usageId: "" };
/** A usage row id no one has: `/usage/{id}/body` aimed at a missing one. */
const MISSING_USAGE = "req_0123456789abcdef:1";
/** Conversations are private to their author: no role reads another member's. */
const MISSING_CONVERSATION = "conv_0123456789abcdef";
/** Org-wide objects the connection and pool routes are aimed at. */
const org = { connectionId: "", connectionKeyId: "", poolId: "lab/bola-pool", downloadId: "" };
let canaries: string[];

beforeAll(async () => {
  t = await startTestServer();
  a = t.addMember({ name: "Alice" });
  viewer = t.addMember({ name: "Val", role: "viewer" });
  const tag = Math.random().toString(36).slice(2, 10);
  b.name = `Canary-Bravo-${tag}`;
  b.email = `bravo-${tag}@canary.test`;
  const owner = client(t, t.auth);
  b.id = (await owner.post("/members", { name: b.name, email: b.email })).body.id;
  const key = await owner.post(`/members/${b.id}/keys`, { name: `bravo-key-${tag}` });
  b.keyId = key.body.id;
  b.key = key.body.key;
  await owner.put(`/members/${b.id}/limits`, { rpm: 7 });
  await owner.post(`/members/${b.id}/credits`, {
    kind: "grant",
    amount_micros: 4_242_424,
    note: `bravo-note-${tag}`,
  });
  const conversation = await client(t, bearer(b.key)).post("/conversations", {
    title: `bravo-chat-${tag}`,
    messages: [{ role: "user", content: `bravo-message-${tag}` }],
  });
  b.conversationId = conversation.body.id;
  BODIES["post /conversations/:id/truncate"] = {
    from_message_id: conversation.body.messages[0].id,
  };
  // B's one request with body retention on: its body (B's prompt, a canary) is B's alone.
  await owner.patch("/settings", { body_retention_days: 1 });
  const asked = await fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    // B's client session id is B's too (the Usage page's sessions).
    headers: {
      ...bearer(b.key),
      "content-type": "application/json",
      "x-claude-code-session-id": `bravo-session-${tag}`,
    },
    body: JSON.stringify({
      model: "tiny",
      messages: [{ role: "user", content: `bravo-prompt-${tag}` }],
      max_tokens: 2,
    }),
  });
  expect(asked.status).toBe(200);
  await asked.text();
  b.usageId = `${asked.headers.get("x-request-id")}:1`;
  await owner.patch("/settings", { body_retention_days: null });
  canaries = [b.name, b.email, b.key.slice(0, 8), b.key.slice(-4), tag, "4242424"];
  // Org objects (connections, their keys, pools): staff read them, members never reach them.
  org.connectionId = (
    await owner.post("/connections", {
      name: "bola upstream",
      kind: "openai_compatible",
      base_url: "http://127.0.0.1:9/v1",
    })
  ).body.id;
  org.connectionKeyId = (
    await owner.post(`/connections/${org.connectionId}/keys`, {
      label: "main",
      key: "sk-bola-0000000000000000",
    })
  ).body.id;
  await owner.put(`/pools/${org.poolId}`, {
    strategy: "priority",
    targets: [{ connection_id: org.connectionId, upstream_model: "m" }],
  });
  // A model download (to a closed loopback port: it fails, and its record stays readable).
  org.downloadId = (
    await owner.post("/models/downloads", { url: "http://127.0.0.1:9/bola.gguf" })
  ).body.id;
});
afterAll(async () => {
  await t?.close();
});

/** A valid body for each route that takes one, so no answer is a 400 by accident. */
const BODIES: Record<string, unknown> = {
  "post /members": { name: "Intruder" },
  "patch /members/:id": { name: "Hijacked" },
  "post /members/:id/keys": { name: "stolen" },
  "put /members/:id/body-retention": { body_retention_days: 30 },
  "put /limits/org": { rpm: 1 },
  "put /limits/default": { rpm: 1 },
  "put /members/:id/limits": { rpm: 1_000_000 },
  "put /prices/*model": {
    input_micros_per_mtok: 0,
    output_micros_per_mtok: 0,
    billing_mode: "org",
  },
  "post /members/:id/credits": { kind: "grant", amount_micros: 1_000_000_000 },
  "patch /settings": { time_zone: "UTC" },
  "patch /server": { api_paused: true },
  "post /connections": { name: "Intruder", kind: "openai" },
  "patch /connections/:id": { name: "Hijacked" },
  "post /connections/:id/keys": { label: "stolen", key: "sk-intruder-000000000000" },
  "patch /connection-keys/:id": { status: "disabled" },
  "post /conversations": { title: "Intruder" },
  "patch /conversations/:id": { title: "Hijacked" },
  "post /conversations/:id/messages": { messages: [{ role: "user", content: "injected" }] },
  "post /conversations/:id/truncate": { from_message_id: "set in beforeAll" },
  "post /models/downloads": { url: "https://huggingface.co/lab/m/resolve/main/intruder.gguf" },
  "post /models/import": { path: "/tmp/intruder.gguf" },
  "patch /models/:id/settings": { context_size: 128, sequences: 64 },
  "put /pools/*id": {
    strategy: "priority",
    targets: [{ connection_id: "con_0123456789abcdef", upstream_model: "m" }],
  },
  "patch /routing/settings": { classifier: "knn" },
  "put /routing/categories/:name": { description: "Hijacked" },
  "put /routing/aliases/*id": { targets: ["tiny"] },
  "put /routing/model-categories/*model": { categories: ["code"] },
  "post /routes/test": { prompt: "where would this go?" },
  "put /guard/org": { pii_mode: "off" },
  "put /guard/members/:id": { pii_mode: "off" },
  "put /guard/models/*id": { pii_mode: "off" },
  "post /guard/test": { text: "what would be redacted?" },
};
/** Member-scoped routes that take no id: they can only ever answer about the caller. */
const SELF_ONLY = [
  "get /me",
  "get /events",
  "get /conversations",
  "post /conversations",
  // Its `member_id` is in the body: see "a member may not test another member's routes".
  "post /routes/test",
];
/** POSTs that change nothing (a dry run): a viewer may make them. */
const DRY_RUNS = ["post /routes/test", "post /guard/test"];

const routeKey = (r: ManageRoute) => `${r.method} ${r.path}`;
const isMemberScoped = (r: ManageRoute) =>
  (ACCESS[r.access] as readonly string[]).includes("member");

/** The URL of `r` aimed at member B's objects (ids in the path, or `member_id` in the query). */
function urlFor(r: ManageRoute, memberId: string, keyId: string): string {
  if (r.path.startsWith("/connections/")) return r.path.replace(":id", org.connectionId);
  if (r.path.startsWith("/connection-keys/")) return r.path.replace(":id", org.connectionKeyId);
  if (r.path.startsWith("/pools/")) return r.path.replace("*id", org.poolId);
  if (r.path.startsWith("/models/downloads/")) return r.path.replace(":id", org.downloadId);
  if (r.path.startsWith("/models/")) return r.path.replace(":id", "tiny");
  if (r.path.startsWith("/guard/models/")) return r.path.replace("*id", "tiny");
  if (r.path.startsWith("/routing/"))
    return r.path.replace(":name", "code").replace("*id", "bola-alias").replace("*model", "tiny");
  if (r.path.startsWith("/conversations/"))
    return r.path.replace(":id", memberId === b.id ? b.conversationId : MISSING_CONVERSATION);
  if (r.path.startsWith("/usage/:id"))
    return r.path.replace(":id", encodeURIComponent(memberId === b.id ? b.usageId : MISSING_USAGE));
  let url = r.path
    .replace("/keys/:id", `/keys/${keyId}`)
    .replace(":id", memberId)
    .replace("*model", "tiny");
  const takesMember =
    r.query && "shape" in r.query && "member_id" in (r.query as { shape: object }).shape;
  if (takesMember) url += `?member_id=${memberId}`;
  if (
    r.path === "/usage" ||
    r.path === "/usage/latency" ||
    r.path === "/usage/guard" ||
    r.path === "/usage/sessions"
  )
    url += `&start_ms=${Date.now() - 86_400_000}`;
  return url;
}

function send(r: ManageRoute, auth: Auth, memberId = b.id, keyId = b.keyId) {
  return call(t, auth, r.method.toUpperCase(), urlFor(r, memberId, keyId), BODIES[routeKey(r)]);
}

function expectNoCanary(text: string, where: string) {
  for (const c of canaries) expect(text, `${where} leaked '${c}'`).not.toContain(c);
}

describe("the authorization matrix", () => {
  it("covers every route: bodies for every route that takes one", () => {
    for (const r of manageRoutes) {
      if (r.body) expect(BODIES, routeKey(r)).toHaveProperty([routeKey(r)]);
    }
    const selfOnly = manageRoutes.filter(
      (r) =>
        isMemberScoped(r) && !r.path.includes(":id") && !urlFor(r, "X", "Y").includes("member_id"),
    );
    expect(selfOnly.map(routeKey).sort()).toEqual([...SELF_ONLY].sort());
  });

  it("member A gets 404 for every member-scoped route aimed at B, byte-identical to a missing id", async () => {
    const rows = auditCount(t);
    const routes = manageRoutes.filter(
      (r) => isMemberScoped(r) && !SELF_ONLY.includes(routeKey(r)),
    );
    expect(routes.map(routeKey).sort()).toEqual(
      [
        "get /members/:id",
        "patch /members/:id",
        "get /members/:id/keys",
        "post /members/:id/keys",
        "delete /keys/:id",
        "get /members/:id/limits",
        "get /members/:id/status",
        "get /members/:id/credits",
        "get /members/:id/body-retention",
        "get /usage",
        "get /usage/requests",
        "get /usage/requests.csv",
        "get /usage/latency",
        "get /usage/guard",
        "get /usage/sessions",
        "get /usage/audit",
        "get /usage/:id/body",
        "get /alerts",
        "get /conversations/:id",
        "patch /conversations/:id",
        "delete /conversations/:id",
        "post /conversations/:id/messages",
        "post /conversations/:id/truncate",
      ].sort(),
    );
    for (const r of routes) {
      const res = await send(r, bearer(a.key));
      const where = `${routeKey(r)} as A against B`;
      expect(res.status, where).toBe(404);
      const kind = r.path.startsWith("/keys/")
        ? "key"
        : r.path.startsWith("/conversations/")
          ? "conversation"
          : r.path.startsWith("/usage/:id")
            ? "request body"
            : "member";
      expect(res.body, where).toEqual(notFoundBody(kind));
      expectNoCanary(res.text, where);
      const missing = await send(r, bearer(a.key), "mem_0123456789abcdef", "key_0123456789abcdef");
      expect(missing.text, `${where}: same bytes as a missing id`).toBe(res.text);
    }
    expect(auditCount(t)).toBe(rows);
  });

  it("a member may not test another member's routes: the same 403 whether B exists or not", async () => {
    const me = client(t, bearer(a.key));
    const theirs = await me.post("/routes/test", { prompt: "hi", member_id: b.id });
    expect([theirs.status, theirs.body.error.param]).toEqual([403, "member_id"]);
    expectNoCanary(theirs.text, "POST /routes/test as A for B");
    const missing = await me.post("/routes/test", {
      prompt: "hi",
      member_id: "mem_0123456789abcdef",
    });
    expect(missing.text).toBe(theirs.text);
  });

  it("B's objects are untouched after A's attempts", async () => {
    const owner = client(t, t.auth);
    expect((await owner.get(`/members/${b.id}`)).body).toMatchObject({
      name: b.name,
      status: "active",
    });
    expect((await owner.get(`/members/${b.id}/keys`)).body.data).toHaveLength(1);
    expect((await owner.get(`/members/${b.id}/limits`)).body.set).toEqual({ rpm: 7 });
    expect((await owner.get(`/members/${b.id}/credits`)).body.balance_micros).toBe(4_242_424);
    expect((await fetch(`${t.url}/v1/models`, { headers: bearer(b.key) })).status).toBe(200);
    // B's retained body: the owner and B read it; B's retention still follows the org.
    const body = `/usage/${encodeURIComponent(b.usageId)}/body`;
    expect((await owner.get(body)).body.member_id).toBe(b.id);
    expect((await client(t, bearer(b.key)).get(body)).body.member_id).toBe(b.id);
    expect((await owner.get(`/members/${b.id}/body-retention`)).body.body_retention_days).toBe(
      null,
    );
  });

  it("A's own views (me, usage, alerts, request log) carry none of B's data", async () => {
    const me = client(t, bearer(a.key));
    for (const path of [
      "/me",
      `/members/${a.id}`,
      `/members/${a.id}/keys`,
      `/members/${a.id}/credits`,
      `/usage?start_ms=${Date.now() - 86_400_000}&group_by=member_id`,
      "/usage/requests",
      "/usage/requests.csv",
      `/usage/latency?start_ms=${Date.now() - 86_400_000}`,
      `/usage/guard?start_ms=${Date.now() - 86_400_000}`,
      `/usage/sessions?start_ms=${Date.now() - 86_400_000}`,
      "/usage/audit",
      "/usage/audit?format=csv",
      `/members/${a.id}/body-retention`,
      "/alerts",
      "/conversations",
      `/conversations?q=${canaries[4]}`,
    ]) {
      const res = await me.get(path);
      expect(res.status, path).toBe(200);
      expectNoCanary(res.text, path);
    }
  });

  it("a member key gets 403 permission_error on every admin and staff route", async () => {
    const rows = auditCount(t);
    const routes = manageRoutes.filter((r) => !isMemberScoped(r));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    for (const r of routes) {
      const res = await send(r, bearer(a.key));
      expect(res.status, routeKey(r)).toBe(403);
      expect(res.body.error, routeKey(r)).toMatchObject({
        type: "permission_error",
        code: "insufficient_permissions",
      });
      expectNoCanary(res.text, routeKey(r));
    }
    expect(auditCount(t)).toBe(rows);
  });

  it("a viewer key reads everything and mutates nothing (403 on every mutation)", async () => {
    const rows = auditCount(t);
    for (const r of manageRoutes) {
      if (r.response === "event-stream") continue; // streams: see settingsAndEvents.test.ts
      const res = await send(r, bearer(viewer.key));
      // A conversation is private to its author: a viewer gets the 404 of a missing one.
      if (r.method === "get" && r.path.startsWith("/conversations/"))
        expect(res.body, routeKey(r)).toEqual(notFoundBody("conversation"));
      // Retained bodies are for the owner, admins and their sender: a viewer reads only metadata.
      else if (routeKey(r) === "get /usage/:id/body")
        expect(res.body, routeKey(r)).toEqual(notFoundBody("request body"));
      else if (r.method === "get" || DRY_RUNS.includes(routeKey(r)))
        expect(res.status, routeKey(r)).toBe(200);
      else {
        expect(res.status, routeKey(r)).toBe(403);
        expect(res.body.error.type, routeKey(r)).toBe("permission_error");
      }
    }
    expect(auditCount(t)).toBe(rows);
  });
});
