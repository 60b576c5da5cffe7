import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import type { SecretCipher } from "../../src-main/platform/types.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client, notFoundBody, type Reply } from "./manageClient.js";

/**
 * Connections to remote providers and their keys, through the real server, against fake
 * OpenAI-compatible and Anthropic upstreams on loopback. A canary provider key is planted and
 * looked for in every answer, audit row, event, log line and the SQLite file and WAL.
 */
let t: TestServer;
let up: FakeUpstream;
let anthropic: FakeUpstream;
let owner: ReturnType<typeof client>;
let admin: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
let member: TestMember;
const CANARY = "sk-canary-CONNCONNCONNCONNCONNCONNCONNCONN7777";
const ANTHROPIC_CANARY = "sk-ant-canary-ANTHANTHANTHANTHANTHANTH8888";
/** Every answer the tests got, for the leak scan at the end. */
const replies: string[] = [];
const events: BenchtopEvent[] = [];

/** Records every answer for the final canary scan. */
function recording(c: ReturnType<typeof client>): ReturnType<typeof client> {
  const keep = async <T>(p: Promise<Reply<T>>) => {
    const r = await p;
    replies.push(r.text);
    return r;
  };
  return {
    get: (path) => keep(c.get(path)),
    post: (path, body) => keep(c.post(path, body)),
    put: (path, body) => keep(c.put(path, body)),
    patch: (path, body) => keep(c.patch(path, body)),
    del: (path) => keep(c.del(path)),
  };
}

beforeAll(async () => {
  t = await startTestServer();
  up = await startFakeUpstream({ protocol: "openai" });
  anthropic = await startFakeUpstream({ protocol: "anthropic" });
  up.acceptKeys = [CANARY];
  anthropic.acceptKeys = [ANTHROPIC_CANARY];
  owner = recording(client(t, t.auth));
  admin = recording(client(t, bearer(t.addMember({ role: "admin" }).key)));
  viewer = recording(client(t, bearer(t.addMember({ role: "viewer" }).key)));
  member = t.addMember();
  t.core.events.on((e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
  await up?.close();
  await anthropic?.close();
});

const lastAudit = () => {
  const row = auditRows(t).at(-1)!;
  return {
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    before: row.before_json === null ? null : JSON.parse(row.before_json as string),
    after: row.after_json === null ? null : JSON.parse(row.after_json as string),
  };
};

async function createConnection(body: Record<string, unknown>) {
  const r = await owner.post("/connections", body);
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string };
}

async function addKey(connectionId: string, key: string, label = "main") {
  const r = await owner.post(`/connections/${connectionId}/keys`, { label, key });
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string };
}

describe("connections", () => {
  it("are created with the kind's default base URL and answered field for field", async () => {
    const r = await admin.post("/connections", {
      name: "OpenAI (lab)",
      kind: "openai",
      headers: { "OpenAI-Organization": "org-lab" },
      region: "us",
      retention: "30 days (API default)",
    });
    expect(r.status).toBe(201);
    const row = t.core.store.connections.get(r.body.id)!;
    const expected = {
      id: row.id,
      name: "OpenAI (lab)",
      kind: "openai",
      base_url: "https://api.openai.com/v1",
      headers: { "openai-organization": "org-lab" },
      region: "us",
      retention: "30 days (API default)",
      redact_secrets: true,
      keys: [],
      created_ms: row.createdMs,
      updated_ms: row.updatedMs,
    };
    expect(r.body).toEqual(expected);
    expect(row.id).toMatch(/^con_[0-9a-f]{16}$/);
    expect((await viewer.get(`/connections/${row.id}`)).body).toEqual(expected);
    expect(lastAudit()).toEqual({
      action: "connection.create",
      target_type: "connection",
      target_id: row.id,
      before: null,
      after: expected,
    });
    expect(events.at(-1)).toEqual({ type: "connection.create", memberId: null, data: expected });

    const defaults: Record<string, string> = {
      groq: "https://api.groq.com/openai/v1",
      openrouter: "https://openrouter.ai/api/v1",
      anthropic: "https://api.anthropic.com",
    };
    for (const [kind, url] of Object.entries(defaults)) {
      const c = await owner.post("/connections", { name: kind, kind });
      expect(c.body, kind).toMatchObject({ kind, base_url: url, headers: {}, region: null });
      await owner.del(`/connections/${c.body.id}`);
    }
    const custom = await owner.post("/connections", {
      name: "vLLM box",
      kind: "openai_compatible",
      base_url: "http://10.0.0.7:8000/v1/",
    });
    expect(custom.body.base_url).toBe("http://10.0.0.7:8000/v1");
    await owner.del(`/connections/${custom.body.id}`);
    await owner.del(`/connections/${row.id}`);
  });

  it("refuse bad input with a 400 naming the field, writing nothing", async () => {
    const rows = auditCount(t);
    const count = t.core.store.connections.list().length;
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ name: "x", kind: "openai_compatible" }, "base_url", "missing_required_parameter"],
      [{ name: "x", kind: "azure" }, "kind"],
      [{ name: "", kind: "openai" }, "name"],
      [{ name: "x", kind: "openai", base_url: "ftp://files.lab/v1" }, "base_url"],
      [{ name: "x", kind: "openai", base_url: "not a url" }, "base_url"],
      [{ name: "x", kind: "openai", base_url: "https://u:hunter2@api.lab/v1" }, "base_url"],
      [{ name: "x", kind: "openai", base_url: "https://api.lab/v1?key=abc" }, "base_url"],
      [
        { name: "x", kind: "openai", headers: { Authorization: "Bearer x" } },
        "headers.Authorization",
      ],
      [{ name: "x", kind: "openai", headers: { "x-api-key": "x" } }, "headers.x-api-key"],
      [{ name: "x", kind: "openai", headers: { Cookie: "a=b" } }, "headers.Cookie"],
      [{ name: "x", kind: "openai", headers: { "bad name": "x" } }, "headers.bad name"],
      [{ name: "x", kind: "openai", headers: { "x-a": "1\r\nx-b: 2" } }, "headers.x-a"],
      [{ name: "x", kind: "openai", headers: { "X-A": "1", "x-a": "2" } }, "headers.x-a"],
      [
        {
          name: "x",
          kind: "openai",
          headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, "v"])),
        },
        "headers",
      ],
      [{ name: "x", kind: "openai", api_key: "sk-x" }, "api_key", "unknown_parameter"],
    ];
    for (const [body, param, code = "invalid_value"] of cases) {
      const r = await owner.post("/connections", body);
      const where = JSON.stringify(body);
      expect(r.status, where).toBe(400);
      expect(r.body.error, where).toMatchObject({ type: "invalid_request_error", param, code });
      expect(r.text, where).not.toContain("hunter2");
    }
    expect(auditCount(t)).toBe(rows);
    expect(t.core.store.connections.list()).toHaveLength(count);
  });

  it("PATCH changes the fields given (headers replaced whole), audited before and after", async () => {
    const { id } = await createConnection({
      name: "Groq",
      kind: "groq",
      headers: { "x-one": "1" },
    });
    const before = (await owner.get(`/connections/${id}`)).body;
    const r = await admin.patch(`/connections/${id}`, {
      name: "Groq (EU)",
      base_url: "https://eu.groq.example/openai/v1",
      headers: { "X-Two": "2" },
      region: "eu",
    });
    expect(r.status).toBe(200);
    const row = t.core.store.connections.get(id)!;
    const after = {
      ...before,
      name: "Groq (EU)",
      base_url: "https://eu.groq.example/openai/v1",
      headers: { "x-two": "2" },
      region: "eu",
      updated_ms: row.updatedMs,
    };
    expect(r.body).toEqual(after);
    // A new base URL is a move, audited with the old and new host (it has no keys to re-enter:
    // test/manage/connectionMove.test.ts has the rule for connections that do).
    expect(lastAudit()).toEqual({
      action: "connection.move",
      target_type: "connection",
      target_id: id,
      before: { ...before, host: "api.groq.com" },
      after: { ...after, host: "eu.groq.example" },
    });
    const renamed = await admin.patch(`/connections/${id}`, { name: "Groq (EU 2)" });
    expect(lastAudit()).toEqual({
      action: "connection.update",
      target_type: "connection",
      target_id: id,
      before: after,
      after: renamed.body,
    });
    const rows = auditCount(t);
    expect((await owner.patch(`/connections/${id}`, {})).body.error.code).toBe("empty_patch");
    const kind = await owner.patch(`/connections/${id}`, { kind: "openai" });
    expect(kind.body.error).toMatchObject({ param: "kind", code: "unknown_parameter" });
    expect((await owner.patch("/connections/con_0123456789abcdef", { name: "x" })).body).toEqual(
      notFoundBody("connection"),
    );
    expect(auditCount(t)).toBe(rows);
    await owner.del(`/connections/${id}`);
  });

  it("keys are shown only as id, label and last 4; stored encrypted", async () => {
    const { id } = await createConnection({
      name: "upstream",
      kind: "openai_compatible",
      base_url: `${up.url}/v1`,
    });
    const r = await admin.post(`/connections/${id}/keys`, { label: "main", key: CANARY });
    expect(r.status).toBe(201);
    const row = t.core.store.connections.key(r.body.id)!;
    const dto = {
      id: row.id,
      connection_id: id,
      label: "main",
      last4: "7777",
      status: "active",
      status_reason: null,
      created_ms: row.createdMs,
      updated_ms: row.updatedMs,
    };
    expect(r.body).toEqual(dto);
    expect(row.id).toMatch(/^ck_[0-9a-f]{16}$/);
    expect(row.secret.includes(Buffer.from(CANARY))).toBe(false);
    expect(t.core.cipher.decrypt(row.secret)).toBe(CANARY);
    expect((await viewer.get(`/connections/${id}`)).body.keys).toEqual([dto]);
    expect(lastAudit()).toEqual({
      action: "connection_key.create",
      target_type: "connection_key",
      target_id: row.id,
      before: null,
      after: { ...dto, secret_backend: "aes-256-gcm key file" },
    });
    // A short key (a vLLM box's "EMPTY") shows no last 4: that would be a third of it.
    const short = await owner.post(`/connections/${id}/keys`, { label: "dummy", key: "EMPTY" });
    expect(short.body.last4).toBe("");
    await owner.del(`/connection-keys/${short.body.id}`);
    // A key with a space is refused without echoing it.
    const spaced = await owner.post(`/connections/${id}/keys`, {
      label: "x",
      key: `${CANARY} extra`,
    });
    expect(spaced.status).toBe(400);
    expect(spaced.body.error.param).toBe("key");
    expect((await owner.post("/connections/con_0123456789abcdef/keys", dto)).status).toBe(400);
    const missing = await owner.post("/connections/con_0123456789abcdef/keys", {
      label: "x",
      key: CANARY,
    });
    expect(missing.body).toEqual(notFoundBody("connection"));
  });

  it("test: lists the upstream's models with the first active key, measuring latency", async () => {
    const { id } = await createConnection({
      name: "tested",
      kind: "openai_compatible",
      base_url: `${up.url}/v1`,
      headers: { "x-lab": "benchtop" },
    });
    const noKey = await owner.post(`/connections/${id}/test`, undefined);
    expect(noKey.status).toBe(409);
    expect(noKey.body.error.code).toBe("no_active_key");
    const key = await addKey(id, CANARY);
    up.reset();
    const r = await admin.post(`/connections/${id}/test`, undefined);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ok: true,
      key_id: key.id,
      latency_ms: expect.any(Number),
      models: ["gpt-4o-mini", "text-embedding-3-small"],
    });
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(up.requests[0]!.headers["x-lab"]).toBe("benchtop");
    // A test changes nothing: no audit row for it.
    expect(lastAudit().action).toBe("connection_key.create");

    const a = await createConnection({
      name: "Anthropic",
      kind: "anthropic",
      base_url: anthropic.url,
    });
    const ak = await addKey(a.id, ANTHROPIC_CANARY);
    const ar = await owner.post(`/connections/${a.id}/test`, undefined);
    expect(ar.body).toEqual({
      ok: true,
      key_id: ak.id,
      latency_ms: expect.any(Number),
      models: ["claude-sonnet-4-5"],
    });
    expect(anthropic.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/models" });
  });

  it("test: a refused key, an upstream error and an unreachable upstream fail without the key", async () => {
    const { id } = await createConnection({
      name: "refusing",
      kind: "openai_compatible",
      base_url: `${up.url}/v1`,
    });
    const WRONG = "sk-wrong-WRONGWRONGWRONGWRONGWRONGWRONG4321";
    const key = await addKey(id, WRONG);
    const r = await owner.post(`/connections/${id}/test`, undefined);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ok: false,
      key_id: key.id,
      latency_ms: expect.any(Number),
      models: [],
      error: { status: 401, message: "Incorrect API key provided: sk-****4321." },
    });
    expect(r.text).not.toContain(WRONG.slice(0, -4));
    // Testing never disables a key: that is for real traffic.
    expect(t.core.store.connections.key(key.id)!.status).toBe("active");

    // An upstream that echoes the key in its message gets it masked.
    up.acceptKeys = [CANARY, WRONG];
    up.script({ kind: "error", status: 500, message: `internal error for key ${WRONG}` });
    const echoed = await owner.post(`/connections/${id}/test`, undefined);
    expect(echoed.body.error).toEqual({
      status: 500,
      message: "internal error for key [redacted]",
    });
    expect(echoed.text).not.toContain(WRONG);
    up.acceptKeys = [CANARY];

    const gone = await createConnection({
      name: "down",
      kind: "openai_compatible",
      base_url: "http://127.0.0.1:9/v1",
    });
    await addKey(gone.id, CANARY);
    const down = await owner.post(`/connections/${gone.id}/test`, undefined);
    expect(down.body).toMatchObject({
      ok: false,
      models: [],
      error: { status: null, message: "The upstream could not be reached." },
    });
  });

  it("PATCH a key's status: disable, re-enable after a 401; a deleted key stays deleted", async () => {
    const { id } = await createConnection({ name: "k", kind: "openai" });
    const key = await addKey(id, CANARY);
    // As the pools mark a key the upstream refused.
    t.core.store.connections.setKeyStatus(
      key.id,
      "disabled",
      "the upstream refused the key (401/403)",
    );
    const disabled = (await viewer.get(`/connections/${id}`)).body.keys[0];
    expect(disabled).toMatchObject({
      status: "disabled",
      status_reason: "the upstream refused the key (401/403)",
    });
    const r = await admin.patch(`/connection-keys/${key.id}`, { status: "active" });
    expect(r.status).toBe(200);
    const row = t.core.store.connections.key(key.id)!;
    const enabled = {
      ...disabled,
      status: "active",
      status_reason: null,
      updated_ms: row.updatedMs,
    };
    expect(r.body).toEqual(enabled);
    expect(lastAudit()).toEqual({
      action: "connection_key.update",
      target_type: "connection_key",
      target_id: key.id,
      before: disabled,
      after: enabled,
    });
    const rows = auditCount(t);
    expect((await owner.patch(`/connection-keys/${key.id}`, { status: "active" })).body).toEqual(
      enabled,
    );
    expect(auditCount(t)).toBe(rows);
    const off = await owner.patch(`/connection-keys/${key.id}`, { status: "disabled" });
    expect(off.body).toMatchObject({ status: "disabled", status_reason: "disabled by an admin" });
    const bad = await owner.patch(`/connection-keys/${key.id}`, { status: "exhausted" });
    expect(bad.body.error.param).toBe("status");

    const deleted = await admin.del(`/connection-keys/${key.id}`);
    expect(deleted.body).toMatchObject({ id: key.id, status: "deleted" });
    expect(lastAudit()).toMatchObject({ action: "connection_key.delete", target_id: key.id });
    const again = auditCount(t);
    expect((await owner.del(`/connection-keys/${key.id}`)).body).toEqual(deleted.body);
    expect(auditCount(t)).toBe(again);
    const revive = await owner.patch(`/connection-keys/${key.id}`, { status: "active" });
    expect(revive.status).toBe(409);
    expect(revive.body.error.code).toBe("connection_key_deleted");
    expect((await owner.get(`/connections/${id}`)).body.keys).toEqual([]);
    expect((await owner.del("/connection-keys/ck_0123456789abcdef")).body).toEqual(
      notFoundBody("connection key"),
    );
  });

  it("DELETE: refused while a pool uses the connection; then deleted with its keys", async () => {
    const { id } = await createConnection({ name: "doomed", kind: "openai" });
    const key = await addKey(id, CANARY);
    await owner.put("/pools/doomed-model", {
      strategy: "priority",
      targets: [{ connection_id: id, upstream_model: "gpt-4o" }],
    });
    const rows = auditCount(t);
    const refused = await admin.del(`/connections/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "connection_in_use",
      message: "The connection is used by pool 'doomed-model': remove it from them first.",
    });
    expect(auditCount(t)).toBe(rows);
    await owner.del("/pools/doomed-model");
    const before = (await owner.get(`/connections/${id}`)).body;
    const r = await admin.del(`/connections/${id}`);
    expect(r.body).toEqual({ id, deleted: true });
    expect(lastAudit()).toEqual({
      action: "connection.delete",
      target_type: "connection",
      target_id: id,
      before,
      after: null,
    });
    expect(t.core.store.connections.key(key.id)!.status).toBe("deleted");
    expect((await owner.get(`/connections/${id}`)).body).toEqual(notFoundBody("connection"));
    expect((await owner.del(`/connections/${id}`)).status).toBe(404);
    expect(
      (await owner.get("/connections")).body.data.map((c: { id: string }) => c.id),
    ).not.toContain(id);
  });

  it("refuses keys on insecure secret storage unless the admin acknowledges it", async () => {
    const insecure: SecretCipher = {
      backend: "safeStorage (basic_text)",
      insecure: true,
      encrypt: (plain) => Buffer.from(`v0:${Buffer.from(plain).toString("base64")}`),
      decrypt: (blob) => Buffer.from(blob.toString().slice(3), "base64").toString(),
    };
    const s = await startTestServer({ platform: { secretCipher: insecure } });
    try {
      const o = client(s, s.auth);
      const { id } = (await o.post("/connections", { name: "x", kind: "openai" })).body;
      const rows = auditCount(s);
      const refused = await o.post(`/connections/${id}/keys`, { label: "main", key: CANARY });
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({
        error: {
          message:
            "Secrets on this machine are stored with safeStorage (basic_text), which does not " +
            'protect them (no OS keyring). Set up a keyring, or send "acknowledge_insecure_storage": ' +
            "true to store the key anyway.",
          type: "invalid_request_error",
          param: null,
          code: "insecure_secret_storage",
        },
      });
      expect(auditCount(s)).toBe(rows);
      expect(s.core.store.connections.keys(id)).toEqual([]);
      const ok = await o.post(`/connections/${id}/keys`, {
        label: "main",
        key: CANARY,
        acknowledge_insecure_storage: true,
      });
      expect(ok.status).toBe(201);
      expect(Object.keys(ok.body).sort()).toEqual([
        "connection_id",
        "created_ms",
        "id",
        "label",
        "last4",
        "status",
        "status_reason",
        "updated_ms",
      ]);
      const audit = auditRows(s).at(-1)!;
      expect(JSON.parse(audit.after_json as string)).toMatchObject({
        id: ok.body.id,
        secret_backend: "safeStorage (basic_text)",
        insecure_storage_acknowledged: true,
      });
    } finally {
      await s.close();
    }
  });

  it("staff read, only the owner and admins change; members get 403 everywhere", async () => {
    const { id } = await createConnection({ name: "roles", kind: "openai" });
    const key = await addKey(id, CANARY);
    const rows = auditCount(t);
    const m = client(t, bearer(member.key));
    const routes: [string, string, unknown?][] = [
      ["GET", "/connections"],
      ["POST", "/connections", { name: "m", kind: "openai" }],
      ["GET", `/connections/${id}`],
      ["PATCH", `/connections/${id}`, { name: "m" }],
      ["DELETE", `/connections/${id}`],
      ["POST", `/connections/${id}/keys`, { label: "m", key: "sk-member-000000000000" }],
      ["PATCH", `/connection-keys/${key.id}`, { status: "disabled" }],
      ["DELETE", `/connection-keys/${key.id}`],
      ["GET", `/connections/${id}/health`],
      ["POST", `/connections/${id}/test`],
      ["GET", `/connections/${id}/usage`],
      ["GET", "/pools"],
      ["GET", "/pools/x"],
      [
        "PUT",
        "/pools/x",
        { strategy: "priority", targets: [{ connection_id: id, upstream_model: "m" }] },
      ],
      ["DELETE", "/pools/x"],
    ];
    const send = (c: typeof m, method: string, path: string, body: unknown) => {
      const verb =
        method === "DELETE" ? "del" : (method.toLowerCase() as "get" | "post" | "put" | "patch");
      return verb === "get" || verb === "del" ? c[verb](path) : c[verb](path, body);
    };
    for (const [method, path, body] of routes) {
      const r = await send(m, method, path, body);
      expect(r.status, `member ${method} ${path}`).toBe(403);
      expect(r.body.error.type).toBe("permission_error");
      if (method !== "GET") {
        const v = await send(viewer, method, path, body);
        expect(v.status, `viewer ${method} ${path}`).toBe(403);
      }
    }
    for (const path of [
      "/connections",
      `/connections/${id}`,
      `/connections/${id}/health`,
      `/connections/${id}/usage`,
      "/pools",
    ])
      expect((await viewer.get(path)).status, path).toBe(200);
    expect(auditCount(t)).toBe(rows);
    expect(t.core.store.connections.key(key.id)!.status).toBe("active");
  });
});

describe("the provider key", () => {
  it("never appears in answers, audit rows, events, log lines, or the SQLite file and WAL", async () => {
    // Traffic through a pool with the canary key, so the pools' own paths are covered too.
    const { id } = await createConnection({
      name: "canary upstream",
      kind: "openai_compatible",
      base_url: `${up.url}/v1`,
    });
    await addKey(id, CANARY);
    await owner.put("/pools/canary-model", {
      strategy: "priority",
      targets: [{ connection_id: id, upstream_model: "gpt-4o-mini" }],
    });
    const chat = await member.openai.chat.completions.create({
      model: "canary-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(chat.choices[0]!.message.content).toBe("Hello from upstream");
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${CANARY}`);
    replies.push((await owner.get("/audit?limit=500")).text);
    replies.push((await owner.get(`/connections/${id}/health`)).text);
    replies.push((await owner.get("/pools")).text);
    replies.push((await owner.get("/connections")).text);

    const walBytes = fs.readFileSync(`${t.core.paths.db}-wal`);
    t.core.db.pragma("wal_checkpoint(TRUNCATE)");
    const dbBytes = fs.readFileSync(t.core.paths.db);
    const places: [string, string | Buffer][] = [
      ["answers", replies.join("\n")],
      ["audit rows", JSON.stringify(auditRows(t))],
      ["events", JSON.stringify(events)],
      ["log lines", JSON.stringify(t.logs)],
      ["the WAL", walBytes],
      ["the database file", dbBytes],
    ];
    expect(replies.length).toBeGreaterThan(50);
    expect(walBytes.length).toBeGreaterThan(0);
    for (const secret of [CANARY, ANTHROPIC_CANARY]) {
      for (const [where, bytes] of places) {
        const text = typeof bytes === "string" ? bytes : bytes.toString("latin1");
        expect(text.includes(secret), `${where} contain the key`).toBe(false);
        // No 12-character slice of it either (a key cut in two by a page boundary, a prefix).
        for (let i = 0; i + 12 <= secret.length; i += 6)
          expect(text.includes(secret.slice(i, i + 12)), `${where} contain part of the key`).toBe(
            false,
          );
        const utf16 = Buffer.from(secret, "utf16le").toString("latin1");
        expect(text.includes(utf16), `${where} contain the key as UTF-16`).toBe(false);
      }
    }
    await owner.del("/pools/canary-model");
  });
});
