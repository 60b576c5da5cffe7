import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecretCipher } from "../../src-main/platform/types.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";

/**
 * Issue 14, item 2: an admin must not be able to send a connection's stored key to a server of
 * their choosing by changing its base URL and pressing Test. A new base URL needs the keys (and
 * credential headers) entered again in the same PATCH, and is audited with both hosts.
 */
let t: TestServer;
let home: FakeUpstream;
/** The admin's own server, where the stored key must never arrive. */
let elsewhere: FakeUpstream;
let admin: ReturnType<typeof client>;
const STORED = "sk-stored-STOREDstoredSTOREDstored0001";
const ENTERED = "sk-entered-ENTEREDenteredENTERED0002";
const GOOG = "AIzaSyMoveGOOGgoogGOOGgoog1234";

beforeAll(async () => {
  t = await startTestServer();
  home = await startFakeUpstream({ protocol: "openai" });
  elsewhere = await startFakeUpstream({ protocol: "openai" });
  admin = client(t, bearer(t.addMember({ role: "admin" }).key));
});
afterAll(async () => {
  await t?.close();
  await home?.close();
  await elsewhere?.close();
});

const hostOf = (u: FakeUpstream) => new URL(u.url).host;
const lastAudit = () => {
  const row = auditRows(t).at(-1)!;
  return {
    action: row.action,
    before: JSON.parse(row.before_json as string),
    after: JSON.parse(row.after_json as string),
  };
};

async function connection(headers: Record<string, string> = {}, keys = [STORED]) {
  const c = await admin.post("/connections", {
    name: "home",
    kind: "openai_compatible",
    base_url: `${home.url}/v1`,
    headers,
  });
  expect(c.status, c.text).toBe(201);
  const ids: string[] = [];
  for (const key of keys)
    ids.push((await admin.post(`/connections/${c.body.id}/keys`, { label: "main", key })).body.id);
  return { id: c.body.id as string, keyIds: ids };
}

/** Everything `elsewhere` was sent, as text. */
const sentElsewhere = () => JSON.stringify(elsewhere.requests.map((r) => r.headers));

describe("moving a connection with stored keys", () => {
  it("is refused (409 keys_required) unless the keys come again; nothing is written or sent", async () => {
    const { id } = await connection();
    const rows = auditCount(t);
    const moves = [
      `${elsewhere.url}/v1`, // another host and port
      `${home.url.replace("http:", "https:")}/v1`, // another scheme
      `${home.url}/v2`, // the same origin, another path (a shared gateway's other tenant)
    ];
    for (const base_url of moves) {
      const r = await admin.patch(`/connections/${id}`, { base_url });
      expect(r.status, base_url).toBe(409);
      expect(r.body.error).toEqual({
        message:
          `Changing the base URL (${hostOf(home)} → ${new URL(base_url).host}) would send this ` +
          `connection's stored key to the new address: enter the key again in the same request ` +
          `("keys"), or delete it first.`,
        type: "invalid_request_error",
        param: null,
        code: "keys_required",
      });
    }
    expect(auditCount(t)).toBe(rows);
    expect(t.core.store.connections.get(id)!.baseUrl).toBe(`${home.url}/v1`);
    // Test still goes home with the stored key; nothing ever went elsewhere.
    home.reset();
    expect((await admin.post(`/connections/${id}/test`, undefined)).body.ok).toBe(true);
    expect(home.requests[0]!.headers.authorization).toBe(`Bearer ${STORED}`);
    expect(elsewhere.requests).toHaveLength(0);
    // The same URL spelt differently (trailing slash, host case) is no move.
    const same = await admin.patch(`/connections/${id}`, {
      base_url: `${home.url.toUpperCase().replace("HTTP:", "http:")}/v1/`,
    });
    expect(same.status).toBe(200);
    expect(lastAudit().action).toBe("connection.update");
  });

  it("with the keys entered again: moved, old keys deleted, the new ones used, audited with both hosts", async () => {
    const { id, keyIds } = await connection();
    const member = t.addMember();
    await admin.put("/pools/moved-model", {
      strategy: "priority",
      targets: [{ connection_id: id, upstream_model: "gpt-4o-mini" }],
    });
    await member.openai.chat.completions.create({
      model: "moved-model",
      messages: [{ role: "user", content: "hi" }],
    });
    const r = await admin.patch(`/connections/${id}`, {
      base_url: `${elsewhere.url}/v1`,
      keys: [{ label: "entered", key: ENTERED }],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.base_url).toBe(`${elsewhere.url}/v1`);
    expect(r.body.keys).toEqual([
      expect.objectContaining({ label: "entered", last4: "0002", status: "active" }),
    ]);
    expect(t.core.store.connections.key(keyIds[0]!)).toMatchObject({
      status: "deleted",
      statusReason: `replaced when the base URL moved to ${hostOf(elsewhere)}`,
    });
    const audit = lastAudit();
    expect(audit.action).toBe("connection.move");
    expect([audit.before.host, audit.after.host]).toEqual([hostOf(home), hostOf(elsewhere)]);
    expect([audit.before.base_url, audit.after.base_url]).toEqual([
      `${home.url}/v1`,
      `${elsewhere.url}/v1`,
    ]);
    expect(audit.before.keys.map((k: { id: string }) => k.id)).toEqual(keyIds);

    // Test and pooled traffic now carry the entered key there, never the stored one.
    expect((await admin.post(`/connections/${id}/test`, undefined)).body.ok).toBe(true);
    await member.openai.chat.completions.create({
      model: "moved-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(elsewhere.requests.map((q) => q.headers.authorization)).toEqual([
      `Bearer ${ENTERED}`,
      `Bearer ${ENTERED}`,
    ]);
    expect(sentElsewhere()).not.toContain(STORED.slice(10, 30));
    await admin.del("/pools/moved-model");
  });

  it("credential headers must be entered again or dropped (409 credential_headers_required)", async () => {
    const { id } = await connection({ "x-goog-api-key": GOOG, "x-title": "lab" });
    const base_url = `${elsewhere.url}/v1`;
    const keys = [{ label: "entered", key: ENTERED }];
    const rows = auditCount(t);
    for (const body of [
      { base_url, keys },
      { base_url, keys, headers: { "x-goog-api-key": "…1234", "x-title": "lab" } },
    ]) {
      const r = await admin.patch(`/connections/${id}`, body);
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({
        message:
          `Changing the base URL (${hostOf(home)} → ${hostOf(elsewhere)}) would send the stored ` +
          `value of 'x-goog-api-key' to the new address: enter it again in "headers", or leave ` +
          "it out.",
        code: "credential_headers_required",
      });
    }
    expect(auditCount(t)).toBe(rows);
    const entered = await admin.patch(`/connections/${id}`, {
      base_url,
      keys,
      headers: { "x-goog-api-key": "AIzaSyEnteredAgain00005678", "x-title": "lab" },
    });
    expect(entered.status, entered.text).toBe(200);
    expect(entered.body.headers).toEqual({ "x-goog-api-key": "…5678", "x-title": "lab" });

    // Without keys, a stored credential header alone is reason enough; dropping it moves.
    const bare = await connection({ "x-goog-api-key": GOOG }, []);
    const refused = await admin.patch(`/connections/${bare.id}`, { base_url });
    expect(refused.body.error.code).toBe("credential_headers_required");
    const dropped = await admin.patch(`/connections/${bare.id}`, { base_url, headers: {} });
    expect(dropped.status).toBe(200);
    expect(lastAudit().action).toBe("connection.move");
  });

  it("keys without a move replace the stored ones (a rotation), audited as an update", async () => {
    const { id, keyIds } = await connection();
    const r = await admin.patch(`/connections/${id}`, {
      keys: [
        { label: "one", key: "sk-rotated-000000000001" },
        { label: "two", key: "sk-rotated-000000000002" },
      ],
    });
    expect(r.status).toBe(200);
    // Same instant, so in id order: compare as a set.
    expect(r.body.keys.map((k: { label: string }) => k.label).sort()).toEqual(["one", "two"]);
    expect(t.core.store.connections.key(keyIds[0]!)!.status).toBe("deleted");
    expect(lastAudit().action).toBe("connection.update");
    const empty = await admin.patch(`/connections/${id}`, { acknowledge_insecure_storage: true });
    expect(empty.body.error.code).toBe("empty_patch");
  });

  it("keys entered on insecure secret storage need the acknowledgement, as on POST keys", async () => {
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
      const keys = [{ label: "k", key: ENTERED }];
      const refused = await o.patch(`/connections/${id}`, { keys });
      expect([refused.status, refused.body.error.code]).toEqual([409, "insecure_secret_storage"]);
      const ok = await o.patch(`/connections/${id}`, { keys, acknowledge_insecure_storage: true });
      expect(ok.body.keys).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});
