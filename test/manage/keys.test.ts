import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src-main/policy/apiKeys.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
});

const v1Models = (key: string) => fetch(`${t.url}/v1/models`, { headers: bearer(key) });

describe("API keys", () => {
  it("shows a new key once: in the creation response, never in lists, audit rows or the file", async () => {
    const m = t.addMember({ name: "Kay" });
    const created = await owner.post(`/members/${m.id}/keys`, { name: "laptop" });
    expect(created.status).toBe(201);
    const plain = created.body.key as string;
    const row = t.core.store.keys.get(created.body.id)!;
    expect(created.body).toEqual({
      id: row.id,
      member_id: m.id,
      name: "laptop",
      prefix: plain.slice(0, 8),
      last4: plain.slice(-4),
      status: "active",
      created_ms: row.createdMs,
      expires_ms: null,
      revoked_ms: null,
      last_used_ms: null,
      key: plain,
    });
    expect((await v1Models(plain)).status).toBe(200);

    const list = await owner.get(`/members/${m.id}/keys`);
    expect(list.body.data).toHaveLength(2);
    for (const k of list.body.data) expect(Object.keys(k)).not.toContain("key");
    const hashHex = hashApiKey(plain).toString("hex");
    const ownList = await client(t, bearer(plain)).get(`/members/${m.id}/keys`);
    const audit = await owner.get("/audit");
    for (const text of [list.text, ownList.text, audit.text, JSON.stringify(auditRows(t))]) {
      expect(text).not.toContain(plain);
      expect(text).not.toContain(plain.slice(8, -4));
      expect(text).not.toContain(hashHex);
    }
    const last = auditRows(t).at(-1)!;
    expect(last).toMatchObject({ action: "key.create", target_type: "api_key", target_id: row.id });
    expect(JSON.parse(last.after_json as string)).toEqual({
      ...created.body,
      key: undefined,
      last_used_ms: null,
    });
    t.core.db.pragma("wal_checkpoint(TRUNCATE)");
    const file = fs.readFileSync(t.core.paths.db);
    expect(file.includes(Buffer.from(plain))).toBe(false);
  });

  it("revoking takes effect on the very next request, and revoking twice changes nothing", async () => {
    const m = t.addMember();
    expect((await v1Models(m.key)).status).toBe(200);
    const revoked = await owner.del(`/keys/${m.keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: m.keyId, status: "revoked" });
    expect(revoked.body.revoked_ms).toEqual(expect.any(Number));
    const next = await v1Models(m.key);
    expect(next.status).toBe(401);
    const text = await next.text();
    expect(JSON.parse(text).error).toMatchObject({
      message: "This API key has been revoked.",
      code: "invalid_api_key",
    });
    expect(text).not.toContain(m.key.slice(8));
    const manage = await client(t, bearer(m.key)).get("/me");
    expect(manage.status).toBe(401);

    const rows = auditCount(t);
    const again = await owner.del(`/keys/${m.keyId}`);
    expect(again.body).toEqual(revoked.body);
    expect(auditCount(t)).toBe(rows);
    expect((await owner.del("/keys/key_0000000000000000")).status).toBe(404);
  });

  it("members create, list and revoke only their own keys; viewers none", async () => {
    const m = t.addMember();
    const me = client(t, bearer(m.key));
    const mine = await me.post(`/members/${m.id}/keys`, { name: "ci" });
    expect(mine.status).toBe(201);
    expect((await me.get(`/members/${m.id}/keys`)).body.data).toHaveLength(2);
    expect((await me.del(`/keys/${mine.body.id}`)).body.status).toBe("revoked");
    // The key in use can be revoked too; the caller is then out.
    expect((await me.del(`/keys/${m.keyId}`)).status).toBe(200);
    expect((await me.get("/me")).status).toBe(401);

    const viewer = t.addMember({ role: "viewer" });
    const v = await client(t, bearer(viewer.key)).post(`/members/${viewer.id}/keys`, { name: "x" });
    expect(v.status).toBe(403);
    expect((await client(t, bearer(viewer.key)).del(`/keys/${viewer.keyId}`)).status).toBe(403);
  });

  it("admins cannot revoke the owner's keys", async () => {
    const admin = client(t, bearer(t.addMember({ role: "admin" }).key));
    const ownerKeys = await admin.get(`/members/${t.core.ownerId}/keys`);
    const token = ownerKeys.body.data.find(
      (k: { name: string }) => k.name === "Owner token (this machine)",
    );
    expect(token.status).toBe("active");
    const r = await admin.del(`/keys/${token.id}`);
    expect(r.status).toBe(403);
    expect(r.body.error.type).toBe("permission_error");
    expect((await owner.get("/me")).status).toBe(200);
  });

  it("expiry: refused in the past, enforced once reached", async () => {
    const m = t.addMember();
    const past = await owner.post(`/members/${m.id}/keys`, { name: "old", expires_ms: 1000 });
    expect(past.status).toBe(400);
    expect(past.body.error.param).toBe("expires_ms");
    const soon = Date.now() + 1500;
    const created = await owner.post(`/members/${m.id}/keys`, {
      name: "short",
      expires_ms: soon,
    });
    expect(created.body).toMatchObject({ expires_ms: soon, status: "active" });
    expect((await v1Models(created.body.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, soon - Date.now() + 50));
    const expired = await v1Models(created.body.key);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toBe(
      "This API key has expired.",
    );
    const list = await owner.get(`/members/${m.id}/keys`);
    expect(list.body.data.find((k: { id: string }) => k.id === created.body.id).status).toBe(
      "expired",
    );
  });
});

describe("keys per member (issue 14, item 8)", () => {
  it("a member holds at most max_keys_per_member live keys (default 20); revoked ones do not count", async () => {
    const m = t.addMember({ name: "Minter" }); // addMember gives one key
    const self = client(t, bearer(m.key));
    const ids: string[] = [];
    for (let i = 1; i < 20; i++) {
      const r = await self.post(`/members/${m.id}/keys`, { name: `k${i}` });
      expect(r.status, `key ${i + 1}`).toBe(201);
      ids.push(r.body.id);
    }
    const rows = auditCount(t);
    const refused = await self.post(`/members/${m.id}/keys`, { name: "one too many" });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: {
        message:
          "You already have 20 active keys, the most one member may hold (setting " +
          "max_keys_per_member: 20): revoke one first.",
        type: "invalid_request_error",
        param: null,
        code: "key_limit_reached",
      },
    });
    // An admin creating one for the member meets the same cap, in its own words.
    const byOwner = await owner.post(`/members/${m.id}/keys`, { name: "from the owner" });
    expect(byOwner.body.error.message).toMatch(/^This member already has 20 active keys/);
    expect(auditCount(t)).toBe(rows);
    expect(t.core.store.keys.countLiveForMember(m.id)).toBe(20);

    // A revoked key frees its place; an expired one does too.
    await self.del(`/keys/${ids[0]}`);
    expect((await self.post(`/members/${m.id}/keys`, { name: "after revoke" })).status).toBe(201);
    expect((await self.post(`/members/${m.id}/keys`, { name: "full" })).status).toBe(409);
    t.core.db.prepare("UPDATE api_keys SET expires_ms = 1 WHERE id = ?").run(ids[1]);
    expect((await self.post(`/members/${m.id}/keys`, { name: "after expiry" })).status).toBe(201);
  });

  it("the cap is an org setting admins change", async () => {
    const admin = client(t, bearer(t.addMember({ role: "admin" }).key));
    const set = await admin.patch("/settings", { max_keys_per_member: 2 });
    expect(set.status, set.text).toBe(200);
    expect(set.body.max_keys_per_member).toBe(2);
    try {
      const m = t.addMember();
      const self = client(t, bearer(m.key));
      expect((await self.post(`/members/${m.id}/keys`, { name: "second" })).status).toBe(201);
      const third = await self.post(`/members/${m.id}/keys`, { name: "third" });
      expect([third.status, third.body.error.code]).toEqual([409, "key_limit_reached"]);
      for (const bad of [0, 1001, 2.5])
        expect((await admin.patch("/settings", { max_keys_per_member: bad })).status).toBe(400);
      const viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
      expect((await viewer.patch("/settings", { max_keys_per_member: 50 })).status).toBe(403);
    } finally {
      await admin.patch("/settings", { max_keys_per_member: 20 });
    }
  });
});
