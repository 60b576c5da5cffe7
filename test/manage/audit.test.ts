import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditRepo, maskSecrets, rowHash } from "../../src-main/store/auditRepo.js";
import { closeDb, openDb } from "../../src-main/store/db.js";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-audit-"));
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const lastRow = () => auditRows(t).at(-1)!;

describe("audit log", () => {
  it("writes exactly one row per mutation, naming actor, action and target", async () => {
    const admin = t.addMember({ role: "admin" });
    const asAdmin = client(t, bearer(admin.key));
    let memberId = "";
    let keyId = "";
    const steps: [string, () => Promise<{ status: number; body: { id?: string } }>, object][] = [
      ["member.create", () => owner.post("/members", { name: "Audited" }), {}],
      ["member.update", () => owner.patch(`/members/${memberId}`, { name: "Audited 2" }), {}],
      ["key.create", () => asAdmin.post(`/members/${memberId}/keys`, { name: "k" }), {}],
      ["key.revoke", () => owner.del(`/keys/${keyId}`), {}],
      ["limits.set", () => owner.put("/limits/org", { rpm: 100 }), { target_id: "org" }],
      ["limits.set", () => owner.put("/limits/default", { tpm: 5000 }), { target_id: "default" }],
      ["limits.set", () => owner.put(`/members/${memberId}/limits`, { rpm: 5 }), {}],
      ["price.set", () => owner.put("/prices/acme/big", price), { target_id: "acme/big" }],
      ["price.delete", () => owner.del("/prices/acme/big"), { target_id: "acme/big" }],
      ["credits.add", () => creditGrant(memberId), {}],
      ["settings.update", () => owner.patch("/settings", { time_zone: "UTC" }), {}],
      ["member.delete", () => owner.del(`/members/${memberId}`), {}],
    ];
    for (const [action, run, extra] of steps) {
      const before = auditCount(t);
      const r = await run();
      expect(r.status, action).toBeLessThan(300);
      if (action === "member.create") memberId = r.body.id!;
      if (action === "key.create") keyId = r.body.id!;
      expect(auditCount(t), action).toBe(before + 1);
      const row = lastRow();
      const actor = action === "key.create" ? admin.id : t.core.ownerId;
      expect(row, action).toMatchObject({
        action,
        actor_id: actor,
        actor_role: action === "key.create" ? "admin" : "owner",
        ...extra,
      });
      if (["member.create", "member.update", "member.delete"].includes(action))
        expect(row.target_id).toBe(memberId);
    }
    expect(JSON.parse(lastRow().after_json as string).revoked_key_ids).toEqual([]);
  });

  it("refused and invalid calls write nothing", async () => {
    const m = t.addMember();
    const before = auditCount(t);
    await client(t, bearer(m.key)).put("/limits/org", { rpm: 1 });
    await owner.put("/limits/org", { rpm: -1 });
    await owner.patch(`/members/${t.core.ownerId}`, { status: "disabled" });
    await owner.del("/prices/never-priced");
    await owner.patch("/settings", { time_zone: "Mars/Olympus_Mons" });
    expect(auditCount(t)).toBe(before);
  });

  it("a mutation whose audit row cannot be written does not happen", async () => {
    const before = t.core.store.members.listActiveAndDisabled().length;
    t.core.db.exec(
      `CREATE TEMP TRIGGER audit_fails BEFORE INSERT ON audit_log
       BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    try {
      const r = await owner.post("/members", { name: "Ghost" });
      expect(r.status).toBe(500);
      expect(r.text).not.toContain("disk full");
    } finally {
      t.core.db.exec("DROP TRIGGER audit_fails");
    }
    expect(t.core.store.members.listActiveAndDisabled()).toHaveLength(before);
  });

  it("UPDATE and DELETE on audit_log abort", () => {
    expect(auditCount(t)).toBeGreaterThan(0);
    expect(() => t.core.db.prepare("UPDATE audit_log SET action = 'x'").run()).toThrow(
      /append-only/,
    );
    expect(() => t.core.db.prepare("DELETE FROM audit_log").run()).toThrow(/append-only/);
  });

  it("the chain verifies; a tampered, removed or re-hashed row is found", async () => {
    const n = auditCount(t);
    expect((await owner.get("/audit/verify")).body).toEqual({
      ok: true,
      rows: n,
      first_bad_seq: null,
    });

    const copyOf = async (name: string) => {
      const file = path.join(tmp, name);
      await t.core.db.backup(file);
      const db = openDb(file);
      db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
      return db;
    };
    const edited = await copyOf("edited.db");
    edited.prepare(`UPDATE audit_log SET after_json = '{"rpm":100000}' WHERE seq = 5`).run();
    expect(new AuditRepo(edited).verify()).toEqual({ ok: false, rows: 5, firstBadSeq: 5 });
    closeDb(edited);

    const removed = await copyOf("removed.db");
    removed.prepare("DELETE FROM audit_log WHERE seq = 3").run();
    expect(new AuditRepo(removed).verify()).toEqual({ ok: false, rows: 3, firstBadSeq: 4 });
    closeDb(removed);

    // Re-hashing the edited row hides it from its own check, not from the next row's link.
    const rehashed = await copyOf("rehashed.db");
    const row = rehashed.prepare("SELECT * FROM audit_log WHERE seq = 2").get() as Parameters<
      typeof rowHash
    >[0] & { hash: string };
    const forged = { ...row, actor_id: "mem_someone_else" };
    const { hash: _old, ...rest } = forged;
    rehashed
      .prepare("UPDATE audit_log SET actor_id = ?, hash = ? WHERE seq = 2")
      .run(forged.actor_id, rowHash(rest));
    expect(new AuditRepo(rehashed).verify()).toEqual({ ok: false, rows: 3, firstBadSeq: 3 });
    closeDb(rehashed);
  });

  it("pages newest first, for staff only", async () => {
    const n = auditCount(t);
    const first = await owner.get("/audit?limit=2");
    expect(first.body.data.map((r: { seq: number }) => r.seq)).toEqual([n, n - 1]);
    expect(first.body.has_more).toBe(true);
    const next = await owner.get(`/audit?limit=500&before_seq=${n - 1}`);
    expect(next.body.data).toHaveLength(n - 2);
    expect(next.body.has_more).toBe(false);
    const row = auditRows(t).at(-1)!;
    expect(first.body.data[0]).toEqual({
      seq: row.seq,
      ts_ms: row.ts_ms,
      actor_id: row.actor_id,
      actor_role: row.actor_role,
      action: row.action,
      target_type: row.target_type,
      target_id: row.target_id,
      before: row.before_json === null ? null : JSON.parse(row.before_json as string),
      after: row.after_json === null ? null : JSON.parse(row.after_json as string),
      prev_hash: row.prev_hash,
      hash: row.hash,
    });
    const viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
    expect((await viewer.get("/audit")).status).toBe(200);
    expect((await viewer.get("/audit/verify")).body.ok).toBe(true);
    const member = client(t, bearer(t.addMember().key));
    expect((await member.get("/audit")).status).toBe(403);
    expect((await member.get("/audit/verify")).status).toBe(403);
  });
});

describe("maskSecrets", () => {
  it("drops secret fields and shows keys in text as prefix…last4", () => {
    const key = generateApiKey().plain;
    expect(
      maskSecrets({
        key,
        hash: Buffer.from("x"),
        note: `pasted ${key} here`,
        nested: [{ token: 1 }],
      }),
    ).toEqual({ note: `pasted ${key.slice(0, 8)}…${key.slice(-4)} here`, nested: [{}] });
  });
});

const price = { input_micros_per_mtok: 1, output_micros_per_mtok: 2, billing_mode: "org" };
const creditGrant = (id: string) =>
  owner.post(`/members/${id}/credits`, { kind: "grant", amount_micros: 1_000_000 });
