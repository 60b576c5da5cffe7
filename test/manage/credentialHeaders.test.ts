import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";

/**
 * Credential-like connection headers (issue 14, item 8: `x-goog-api-key`,
 * `cf-aig-authorization`, any name with key, token, secret or auth): encrypted at rest like
 * provider keys, masked (`…` + last 4) in every answer to every role, audit row and event, sent
 * in the clear to the upstream only; rows from before the change are sealed at start.
 */
let t: TestServer;
let up: FakeUpstream;
let owner: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
const events: BenchtopEvent[] = [];
const GOOG = "AIzaSyCanaryGOOGgoogGOOGgoog1234";
const CF = "cfaig-canary-CFCFcfcfCFCFcfcf5678";
const CF_NEW = "cfaig-rotated-NEWnewNEWnewNEW9999";

beforeAll(async () => {
  t = await startTestServer();
  up = await startFakeUpstream({ protocol: "openai" });
  owner = client(t, t.auth);
  viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
  t.core.events.on((e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
  await up?.close();
});

const lastAudit = () => auditRows(t).at(-1)!;
let id: string;

describe("credential headers of a connection", () => {
  it("are stored encrypted and shown masked to every role, in audit rows and events", async () => {
    const r = await owner.post("/connections", {
      name: "gateway",
      kind: "openai_compatible",
      base_url: `${up.url}/v1`,
      headers: {
        "X-Goog-Api-Key": GOOG,
        "cf-aig-authorization": `Bearer ${CF}`,
        "x-short-token": "abc",
        "x-title": "lab",
      },
    });
    expect(r.status, r.text).toBe(201);
    id = r.body.id;
    const masked = {
      "x-goog-api-key": "…1234",
      "cf-aig-authorization": "…5678",
      "x-short-token": "…",
      "x-title": "lab",
    };
    expect(r.body.headers).toEqual(masked);
    expect((await viewer.get(`/connections/${id}`)).body.headers).toEqual(masked);
    expect((await viewer.get("/connections")).body.data[0].headers).toEqual(masked);
    expect(JSON.parse(lastAudit().after_json as string).headers).toEqual(masked);
    expect((events.at(-1)!.data as { headers: unknown }).headers).toEqual(masked);

    const row = t.core.store.connections.get(id)!;
    expect(row.headers).toEqual({ "x-title": "lab" });
    expect(Object.keys(row.secretHeaders).sort()).toEqual([
      "cf-aig-authorization",
      "x-goog-api-key",
      "x-short-token",
    ]);
    const sealed = row.secretHeaders["x-goog-api-key"]!;
    expect(sealed.secret.includes(Buffer.from(GOOG))).toBe(false);
    expect(t.core.cipher.decrypt(sealed.secret)).toBe(GOOG);
    expect(t.core.cipher.decrypt(row.secretHeaders["cf-aig-authorization"]!.secret)).toBe(
      `Bearer ${CF}`,
    );
  });

  it("are sent to the upstream in the clear, on a connection test and through a pool", async () => {
    await owner.post(`/connections/${id}/keys`, { label: "main", key: "sk-hdr-000000000000001" });
    up.reset();
    expect((await owner.post(`/connections/${id}/test`, undefined)).body.ok).toBe(true);
    const member = t.addMember();
    await owner.put("/pools/hdr-model", {
      strategy: "priority",
      targets: [{ connection_id: id, upstream_model: "gpt-4o-mini" }],
    });
    const chat = await member.openai.chat.completions.create({
      model: "hdr-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(chat.choices[0]!.message.content).toBe("Hello from upstream");
    expect(up.requests.map((q) => q.path)).toEqual(["/v1/models", "/v1/chat/completions"]);
    for (const q of up.requests)
      expect(q.headers).toMatchObject({
        "x-goog-api-key": GOOG,
        "cf-aig-authorization": `Bearer ${CF}`,
        "x-short-token": "abc",
        "x-title": "lab",
      });
    await owner.del("/pools/hdr-model");
  });

  it("PATCH: a masked value keeps the stored one, a new value replaces it, a stray mask is a 400", async () => {
    const r = await owner.patch(`/connections/${id}`, {
      headers: {
        "x-goog-api-key": "…1234",
        "cf-aig-authorization": `Bearer ${CF_NEW}`,
        "x-title": "lab 2",
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.headers).toEqual({
      "x-goog-api-key": "…1234",
      "cf-aig-authorization": "…9999",
      "x-title": "lab 2",
    });
    const row = t.core.store.connections.get(id)!;
    expect(t.core.cipher.decrypt(row.secretHeaders["x-goog-api-key"]!.secret)).toBe(GOOG);
    expect(t.core.cipher.decrypt(row.secretHeaders["cf-aig-authorization"]!.secret)).toBe(
      `Bearer ${CF_NEW}`,
    );

    const rows = auditCount(t);
    const stray = await owner.patch(`/connections/${id}`, {
      headers: { "x-goog-api-key": "…0000" },
    });
    expect(stray.status).toBe(400);
    expect(stray.body.error).toEqual({
      message: "'x-goog-api-key' has no stored value that '…0000' stands for: enter its value.",
      type: "invalid_request_error",
      param: "headers.x-goog-api-key",
      code: "unknown_masked_header",
    });
    const created = await owner.post("/connections", {
      name: "x",
      kind: "openai",
      headers: { "x-api-token": "…" },
    });
    expect([created.status, created.body.error.code]).toEqual([400, "unknown_masked_header"]);
    // A mask is no value for an ordinary header.
    const plain = await owner.patch(`/connections/${id}`, { headers: { "x-title": "…1234" } });
    expect(plain.body.error).toMatchObject({ param: "headers.x-title", code: "invalid_value" });
    expect(auditCount(t)).toBe(rows);

    // Fields other than headers leave them as stored; headers {} drops them all.
    await owner.patch(`/connections/${id}`, { name: "gateway 2" });
    expect(Object.keys(t.core.store.connections.get(id)!.secretHeaders)).toHaveLength(2);
    const none = await owner.patch(`/connections/${id}`, { headers: {} });
    expect(none.body.headers).toEqual({});
    expect(t.core.store.connections.get(id)!.secretHeaders).toEqual({});
  });

  it("never reach the SQLite file, its WAL or the log in the clear", async () => {
    const wal = fs.readFileSync(`${t.core.paths.db}-wal`);
    t.core.db.pragma("wal_checkpoint(TRUNCATE)");
    const places: [string, Buffer | string][] = [
      ["the WAL", wal],
      ["the database file", fs.readFileSync(t.core.paths.db)],
      ["log lines", JSON.stringify(t.logs)],
      ["audit rows", JSON.stringify(auditRows(t))],
      ["events", JSON.stringify(events)],
    ];
    for (const [where, bytes] of places)
      for (const secret of [GOOG, CF, CF_NEW])
        expect(bytes.includes(secret.slice(6, 26)), `${where}: ${secret}`).toBe(false);
  });
});

describe("connections stored before credential headers were sealed", () => {
  it("have them sealed when the server starts, the clear values gone from the file", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-legacy-"));
    const LEGACY = "AIzaSyLegacyLEGACYlegacyLEGACY4321";
    try {
      const before = await startTestServer({ dataDir });
      // As an older Benchtop wrote it: every header in headers_json.
      before.core.db
        .prepare(
          `INSERT INTO connections (id, name, kind, base_url, headers_json, created_ms, updated_ms)
           VALUES ('con_legacy', 'legacy', 'openai', 'https://api.openai.com/v1', ?, 1, 1)`,
        )
        .run(JSON.stringify({ "x-goog-api-key": LEGACY, "x-title": "t" }));
      await before.close();
      const db = path.join(dataDir, "benchtop.db");
      expect(fs.readFileSync(db).includes(LEGACY)).toBe(true);

      const after = await startTestServer({ dataDir });
      try {
        const row = after.core.store.connections.get("con_legacy")!;
        expect(row.headers).toEqual({ "x-title": "t" });
        expect(after.core.cipher.decrypt(row.secretHeaders["x-goog-api-key"]!.secret)).toBe(LEGACY);
        const dto = await client(after, after.auth).get("/connections/con_legacy");
        expect(dto.body.headers).toEqual({ "x-goog-api-key": "…4321", "x-title": "t" });
        expect(after.logs.map((l) => l.msg)).toContain(
          "credential headers of connections encrypted at rest",
        );
        expect(fs.readFileSync(db).includes(LEGACY)).toBe(false);
        expect(fs.readFileSync(`${db}-wal`).includes(LEGACY)).toBe(false);
      } finally {
        await after.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
