import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
});

const memberRow = (id: string) =>
  t.core.db.prepare("SELECT * FROM members WHERE id = ?").get(id) as Record<string, unknown>;
const v1Models = (key: string) => fetch(`${t.url}/v1/models`, { headers: bearer(key) });

describe("GET /me", () => {
  it("names the owner for the owner token and the member for a member key", async () => {
    expect((await owner.get("/me")).body).toEqual({
      id: t.core.ownerId,
      name: "Owner",
      email: null,
      role: "owner",
      status: "active",
    });
    const m = t.addMember({ name: "Mia", role: "viewer" });
    const me = await client(t, bearer(m.key)).get("/me");
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: m.id,
      name: "Mia",
      email: null,
      role: "viewer",
      status: "active",
    });
  });
});

describe("members CRUD", () => {
  it("creates, reads, lists, edits, disables, re-enables and deletes with exact bodies", async () => {
    const created = await owner.post("/members", {
      name: "Ada",
      email: "ada@lab.test",
      role: "member",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^mem_[0-9a-f]{16}$/);
    const row = memberRow(id);
    const ada = {
      id,
      name: "Ada",
      email: "ada@lab.test",
      role: "member",
      status: "active",
      created_ms: row.created_ms,
      updated_ms: row.updated_ms,
    };
    expect(created.body).toEqual(ada);
    expect((await owner.get(`/members/${id}`)).body).toEqual(ada);
    const list = await owner.get("/members");
    expect(list.body.object).toBe("list");
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([t.core.ownerId, id]),
    );
    expect(list.body.data.find((m: { id: string }) => m.id === id)).toEqual(ada);

    const renamed = await owner.patch(`/members/${id}`, { name: "Ada L.", email: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({
      ...ada,
      name: "Ada L.",
      email: null,
      updated_ms: memberRow(id).updated_ms,
    });

    const key = (await owner.post(`/members/${id}/keys`, { name: "k" })).body.key as string;
    expect((await v1Models(key)).status).toBe(200);
    const disabled = await owner.patch(`/members/${id}`, { status: "disabled" });
    expect(disabled.body.status).toBe("disabled");
    const refused = await v1Models(key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      "The member who owns this API key is disabled.",
    );
    expect((await owner.patch(`/members/${id}`, { status: "active" })).body.status).toBe("active");
    expect((await v1Models(key)).status).toBe(200);

    const deleted = await owner.del(`/members/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      ...ada,
      name: "Ada L.",
      email: null,
      status: "deleted",
      updated_ms: memberRow(id).updated_ms,
    });
    // History kept: readable by id, gone from the list, every key revoked.
    expect((await owner.get(`/members/${id}`)).body.status).toBe("deleted");
    const after = await owner.get("/members");
    expect(after.body.data.some((m: { id: string }) => m.id === id)).toBe(false);
    const keys = await owner.get(`/members/${id}/keys`);
    expect(keys.body.data.map((k: { status: string }) => k.status)).toEqual(["revoked"]);
    expect((await v1Models(key)).status).toBe(401);
    // A deleted member is history: no edits; deleting again changes nothing and audits nothing.
    const edit = await owner.patch(`/members/${id}`, { name: "x" });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe("member_deleted");
    const rows = auditCount(t);
    const again = await owner.del(`/members/${id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(deleted.body);
    expect(auditCount(t)).toBe(rows);
  });

  it("validates bodies: role defaults to member, no second owner, unknown fields refused", async () => {
    const plain = await owner.post("/members", { name: "Bo" });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ name: "Bo", email: null, role: "member" });

    const second = await owner.post("/members", { name: "Eve", role: "owner" });
    expect(second.status).toBe(400);
    expect(second.body.error).toMatchObject({ type: "invalid_request_error", param: "role" });

    const unknown = await owner.post("/members", { name: "Eve", is_admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: {
        message: "Unrecognized request argument supplied: is_admin",
        type: "invalid_request_error",
        param: "is_admin",
        code: "unknown_parameter",
      },
    });
    const missing = await owner.post("/members", {});
    expect(missing.body.error).toMatchObject({ param: "name", code: "missing_required_parameter" });
    const email = await owner.post("/members", { name: "Eve", email: "not an address" });
    expect(email.body.error).toMatchObject({ param: "email", code: "invalid_value" });
    // An empty body parses as {} (body-parser): the first missing field is named.
    const noBody = await fetch(`${t.url}/manage/v1/members`, { method: "POST", headers: t.auth });
    expect(noBody.status).toBe(400);
    expect(((await noBody.json()) as { error: object }).error).toMatchObject({
      param: "name",
      code: "missing_required_parameter",
    });
  });
});

describe("the owner and the admins", () => {
  it("the owner cannot be disabled, deleted or demoted, by anyone", async () => {
    const admin = client(t, bearer(t.addMember({ role: "admin" }).key));
    const self = `/members/${t.core.ownerId}`;
    for (const body of [{ status: "disabled" }, { role: "member" }, { role: "admin" }]) {
      const r = await owner.patch(self, body);
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ type: "permission_error", code: "owner_protected" });
      expect((await admin.patch(self, body)).status).toBe(403);
    }
    expect((await owner.del(self)).body.error.code).toBe("owner_protected");
    expect((await admin.del(self)).status).toBe(403);
    expect((await admin.patch(self, { name: "Pwned" })).status).toBe(403);
    expect(memberRow(t.core.ownerId)).toMatchObject({ role: "owner", status: "active" });
    expect((await owner.patch(self, { name: "Lab lead" })).body.name).toBe("Lab lead");
  });

  it("only the owner creates or changes admins; admins cannot touch other admins", async () => {
    const a1 = t.addMember({ name: "Admin One", role: "admin" });
    const a2 = t.addMember({ name: "Admin Two", role: "admin" });
    const admin = client(t, bearer(a1.key));
    const mkAdmin = await admin.post("/members", { name: "Sneaky", role: "admin" });
    expect(mkAdmin.status).toBe(403);
    expect(mkAdmin.body.error).toMatchObject({ type: "permission_error", param: "role" });
    const plain = await admin.post("/members", { name: "Junior", role: "member" });
    expect(plain.status).toBe(201);
    const junior = plain.body.id as string;

    expect((await admin.patch(`/members/${junior}`, { role: "admin" })).status).toBe(403);
    expect((await admin.patch(`/members/${junior}`, { role: "viewer" })).body.role).toBe("viewer");
    expect((await admin.patch(`/members/${a2.id}`, { name: "x" })).status).toBe(403);
    expect((await admin.patch(`/members/${a2.id}`, { status: "disabled" })).status).toBe(403);
    expect((await admin.del(`/members/${a2.id}`)).status).toBe(403);
    expect((await admin.put(`/members/${a2.id}/limits`, { rpm: 1 })).status).toBe(403);
    // Their own name yes, their own role or status no.
    expect((await admin.patch(`/members/${a1.id}`, { name: "Admin 1" })).status).toBe(200);
    expect((await admin.patch(`/members/${a1.id}`, { role: "member" })).status).toBe(403);
    expect((await admin.del(`/members/${a1.id}`)).status).toBe(403);
    expect(memberRow(a2.id)).toMatchObject({ name: "Admin Two", role: "admin", status: "active" });

    expect((await owner.patch(`/members/${junior}`, { role: "admin" })).body.role).toBe("admin");
    expect((await owner.patch(`/members/${a2.id}`, { role: "member" })).body.role).toBe("member");
  });
});

describe("PATCH allow-list per role", () => {
  it("a member changes only their own name and email; role, status and limits stay", async () => {
    const m = t.addMember({ name: "Mo" });
    const me = client(t, bearer(m.key));
    const path = `/members/${m.id}`;
    const before = memberRow(m.id);
    for (const [body, param] of [
      [{ role: "admin" }, "role"],
      [{ status: "disabled" }, "status"],
      [{ name: "Mo2", role: "viewer" }, "role"],
    ] as const) {
      const r = await me.patch(path, body);
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ type: "permission_error", param });
    }
    const limits = await me.patch(path, { limits: { rpm: 1_000_000 } });
    expect(limits.status).toBe(400);
    expect(limits.body.error).toMatchObject({ param: "limits", code: "unknown_parameter" });
    expect(memberRow(m.id)).toEqual(before);
    expect(t.core.store.limits.limits(m.id)).toEqual({});

    const empty = await me.patch(path, {});
    expect(empty.body.error.code).toBe("empty_patch");
    const ok = await me.patch(path, { name: "Moe", email: "moe@lab.test" });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "Moe", email: "moe@lab.test", role: "member" });

    const viewer = t.addMember({ role: "viewer" });
    const v = await client(t, bearer(viewer.key)).patch(`/members/${viewer.id}`, { name: "V" });
    expect(v.status).toBe(403);
    expect(v.body.error.type).toBe("permission_error");
  });
});
