import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { addFakePool } from "../helpers/fakePool.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, call } from "../manage/manageClient.js";

/**
 * PII policies through the real server: off / flag / redact / block / keep-local, per org,
 * member and model, against a remote pool (a fake OpenAI-compatible upstream on loopback) and
 * the generated tiny GGUF on the real engine for keep-local.
 */
let t: TestServer;
let up: FakeUpstream;
let member: TestMember;

const EMAIL = "jane.doe@example.org";
const PHONE = "+44 20 7946 0958";
const CARD = "4111 1111 1111 1111";
const PROMPT = `Write to ${EMAIL} or call ${PHONE}; card ${CARD}.`;

const rowOf = (requestId: string) =>
  t.core.db
    .prepare(
      "SELECT guard_json, served_model, provider FROM usage WHERE request_id = ? ORDER BY attempt DESC",
    )
    .get(requestId) as { guard_json: string; served_model: string; provider: string };
const guardOf = (requestId: string) =>
  JSON.parse(rowOf(requestId).guard_json) as Record<string, unknown>;

const put = (path: string, body: unknown) => call(t, t.auth, "PUT", `/guard${path}`, body);

function ask(who: TestMember, content = PROMPT, model = "cloud") {
  return who.openai.chat.completions
    .create({ model, max_tokens: 4, temperature: 0, messages: [{ role: "user", content }] })
    .withResponse();
}

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  up = await startFakeUpstream({ protocol: "openai" });
  addFakePool(t.core, up, "cloud");
  member = t.addMember();
});
afterEach(async () => {
  up.reset();
  // Back to the default: no member or model policies, the org's flag.
  for (const p of t.core.store.guard.list("member"))
    t.core.store.guard.remove("member", p.scope_id!);
  for (const p of t.core.store.guard.list("model")) t.core.store.guard.remove("model", p.scope_id!);
  await put("/org", { pii_mode: "flag", pii_types: null, keep_local_model: null, restore: false });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
});

describe("PII policies", () => {
  it("flag (the default): sent as is, counted on the usage row", async () => {
    const { response } = await ask(member);
    const raw = up.requests[0]!.raw.toString();
    expect(raw).toContain(EMAIL);
    expect(guardOf(response.headers.get("x-request-id")!)).toMatchObject({
      pii: { email: 1, phone: 1, card: 1 },
      pii_mode: "flag",
      pii_scope: "org",
      pii_action: "flagged",
    });
    expect(response.headers.get("x-benchtop-guard")).toBe("pii=flagged:3");
  });

  it("redact: each value replaced by a placeholder before it leaves", async () => {
    expect((await put("/org", { pii_mode: "redact" })).status).toBe(200);
    const { response } = await ask(member);
    const body = up.requests[0]!.body as { messages: { content: string }[] };
    expect(body.messages[0]!.content).toBe("Write to [EMAIL_1] or call [PHONE_1]; card [CARD_1].");
    expect(guardOf(response.headers.get("x-request-id")!)).toMatchObject({
      pii_action: "redacted",
      pii: { email: 1, phone: 1, card: 1 },
    });
  });

  it("redact acts on the policy's types only", async () => {
    await put("/org", { pii_mode: "redact", pii_types: ["email"] });
    await ask(member);
    const body = up.requests[0]!.body as { messages: { content: string }[] };
    expect(body.messages[0]!.content).toBe(`Write to [EMAIL_1] or call ${PHONE}; card ${CARD}.`);
  });

  it("block: 400 pii_blocked naming types and counts, never values; nothing sent", async () => {
    expect((await put("/models/cloud", { pii_mode: "block" })).status).toBe(200);
    const err = await ask(member).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "pii_blocked" });
    const message = (err as Error).message;
    expect(message).toContain("email ×1");
    expect(message).toContain("model:cloud");
    expect(message).not.toContain(EMAIL);
    expect(up.requests).toHaveLength(0);
    // Without PII the same model is served.
    await ask(member, "What is a monad?");
    expect(up.requests).toHaveLength(1);
  });

  it("block answers in Anthropic's shape on /v1/messages", async () => {
    await put("/models/cloud", { pii_mode: "block" });
    const client = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
    const err = await client.messages
      .create({ model: "cloud", max_tokens: 5, messages: [{ role: "user", content: PROMPT }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
    expect(up.requests).toHaveLength(0);
  });

  it("keep-local: served by the local model instead, and the answer says so", async () => {
    expect(
      (await put("/models/cloud", { pii_mode: "keep-local", keep_local_model: "tiny" })).status,
    ).toBe(200);
    const { data, response } = await ask(member);
    expect(data.model).toBe("cloud");
    expect(up.requests).toHaveLength(0);
    const id = response.headers.get("x-request-id")!;
    expect(rowOf(id)).toMatchObject({ served_model: "tiny", provider: "local" });
    expect(guardOf(id)).toMatchObject({
      pii_action: "kept_local",
      kept_local: { from: ["cloud"], to: "tiny" },
      pii_scope: "model:cloud",
    });
    expect(response.headers.get("x-benchtop-guard")).toBe("pii=kept_local:3; kept-local=tiny");
    // No PII: the remote target as usual.
    await ask(member, "What is a monad?");
    expect(up.requests).toHaveLength(1);
  });

  it("keep-local streams from the local model too", async () => {
    await put("/models/cloud", { pii_mode: "keep-local", keep_local_model: "tiny" });
    const stream = await member.openai.chat.completions.create({
      model: "cloud",
      max_tokens: 3,
      temperature: 0,
      stream: true,
      messages: [{ role: "user", content: PROMPT }],
    });
    let chunks = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) chunks++;
    expect(chunks).toBeGreaterThan(0);
    expect(up.requests).toHaveLength(0);
  });

  it("the most specific policy wins: model over member over org", async () => {
    await put("/org", { pii_mode: "redact" });
    await put(`/members/${member.id}`, { pii_mode: "off" });
    const first = await ask(member);
    expect(up.requests[0]!.raw.toString()).toContain(EMAIL);
    expect(guardOf(first.response.headers.get("x-request-id")!)).toMatchObject({
      pii_mode: "off",
      pii_scope: "member",
      pii: {},
    });
    await put("/models/cloud", { pii_mode: "redact" });
    const second = await ask(member);
    expect(up.requests[1]!.raw.toString()).not.toContain(EMAIL);
    expect(guardOf(second.response.headers.get("x-request-id")!)).toMatchObject({
      pii_scope: "model:cloud",
      pii_action: "redacted",
    });
  });

  it("local targets are not scanned unless the policy has apply_local", async () => {
    await put("/org", { pii_mode: "block" });
    const { response } = await ask(member, PROMPT, "tiny");
    expect(guardOf(response.headers.get("x-request-id")!)).toMatchObject({
      pii: {},
      pii_action: "none",
    });
    await put("/org", { pii_mode: "block", apply_local: true });
    const err = await ask(member, PROMPT, "tiny").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "pii_blocked" });
  });
});

describe("guard counts on the Usage page", () => {
  it("sums what the guard found per type and action, and the request log filters on it", async () => {
    const who = t.addMember();
    const since = Date.now() - 1000;
    await put("/org", { pii_mode: "redact" });
    await ask(who);
    await ask(who, `Only mail ${EMAIL}, again ${EMAIL}`);
    await ask(who, "What is a monad?");
    const summary = await call(
      t,
      t.auth,
      "GET",
      `/usage/guard?start_ms=${since}&member_id=${who.id}`,
    );
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({
      requests: 3,
      with_secrets: 0,
      with_pii: 2,
      secrets: {},
      pii: { card: 1, email: 2, phone: 1 },
      actions: {
        secrets_redacted: 0,
        keyvault_off: 0,
        pii_flagged: 0,
        pii_redacted: 2,
        kept_local: 0,
      },
      restored: 0,
    });
    const log = await call(
      t,
      bearer(who.key),
      "GET",
      `/usage/requests?guarded=true&member_id=${who.id}`,
    );
    expect(log.body.data).toHaveLength(2);
    expect(log.body.data[0].guard).toMatchObject({ pii: { email: 1 }, pii_action: "redacted" });
    expect(log.body.data[0].model_version).toBe("up-model");
    const rest = await call(t, bearer(who.key), "GET", `/usage/requests?guarded=false`);
    expect(
      rest.body.data.map((r: { guard: { pii_action: string } }) => r.guard.pii_action),
    ).toEqual(["none"]);
  });
});

describe("the policy API", () => {
  it("refuses keep-local without a local model, and unknown models", async () => {
    const noModel = await put("/org", { pii_mode: "keep-local" });
    expect(noModel.status).toBe(400);
    expect(noModel.body.error.param).toBe("keep_local_model");
    const remote = await put("/org", { pii_mode: "keep-local", keep_local_model: "cloud" });
    expect(remote.status).toBe(400);
    const unknown = await put("/models/nope", { pii_mode: "block" });
    expect(unknown.status).toBe(400);
    const bad = await put("/org", { pii_mode: "redact", pii_types: ["shoe_size"] });
    expect(bad.status).toBe(400);
    const restoreOnModel = await put("/models/cloud", { pii_mode: "redact", restore: true });
    expect(restoreOnModel.status).toBe(400);
    expect(restoreOnModel.body.error.param).toBe("restore");
  });

  it("every change is an audit row; members cannot change policies", async () => {
    const before = (t.core.db.prepare("SELECT count(*) AS n FROM audit_log").get() as { n: number })
      .n;
    await put("/org", { pii_mode: "redact" });
    await put(`/members/${member.id}`, { pii_mode: "off" });
    const del = await call(t, t.auth, "DELETE", `/guard/members/${member.id}`);
    expect(del.body).toEqual({ scope: "member", scope_id: member.id, deleted: true });
    const rows = t.core.db
      .prepare("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 3")
      .all() as { action: string }[];
    expect(rows.map((r) => r.action)).toEqual([
      "guard.member.delete",
      "guard.member.set",
      "guard.org.set",
    ]);
    expect(
      (t.core.db.prepare("SELECT count(*) AS n FROM audit_log").get() as { n: number }).n,
    ).toBe(before + 3);
    const denied = await call(t, bearer(member.key), "PUT", "/guard/org", { pii_mode: "off" });
    expect(denied.status).toBe(403);
  });

  it("GET /guard lists policies and the KeyVault's state", async () => {
    await put("/models/cloud", { pii_mode: "block", pii_types: ["card"] });
    const res = await call(t, t.auth, "GET", "/guard");
    expect(res.status).toBe(200);
    expect(res.body.org).toMatchObject({ scope: "org", pii_mode: "flag" });
    expect(res.body.models).toEqual([
      expect.objectContaining({ scope: "model", scope_id: "cloud", pii_types: ["card"] }),
    ]);
    expect(res.body.keyvault.healthy).toBe(true);
    expect(res.body.keyvault.rules).toBeGreaterThan(100);
  });

  it("the dry run shows what a remote target would receive, without echoing values", async () => {
    await put("/org", { pii_mode: "redact" });
    const res = await call(t, t.auth, "POST", "/guard/test", {
      text: `mail ${EMAIL} twice ${EMAIL} token ghp_${"a1B2c3D4e5".repeat(3)}abcdef`,
      model: "cloud",
    });
    expect(res.status).toBe(200);
    expect(res.body.redacted).toBe("mail [EMAIL_1] twice [EMAIL_1] token [SECRET_1]");
    expect(res.body.action).toBe("redacted");
    expect(res.body.findings.map((f: { type: string }) => f.type)).toEqual([
      "email",
      "email",
      "github",
    ]);
    expect(res.text).not.toContain(EMAIL);
  });
});

/** A server whose guard detectors are `detectors`, with the pool `cloud` on the fake upstream. */
async function serverWith(
  detectors: NonNullable<Parameters<typeof startTestServer>[0]>["guardDetectors"],
) {
  const s = await startTestServer({ engine: { threads: 1 }, guardDetectors: detectors });
  addFakePool(s.core, up, "cloud");
  return s;
}

describe("fail closed", () => {
  it("a detector that throws mid-scan: the remote request is refused, nothing is sent or charged", async () => {
    const flaky = await serverWith(() => ({
      secrets: () => {
        throw new RangeError("detector bug");
      },
      pii: () => [],
    }));
    try {
      const who = flaky.addMember();
      const err = await ask(who, "hello").catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 500, code: "guard_failed" });
      expect(up.requests).toHaveLength(0);
      const rows = flaky.core.db
        .prepare("SELECT count(*) AS n FROM usage WHERE member_id = ?")
        .get(who.id) as { n: number };
      expect(rows.n).toBe(0);
    } finally {
      await flaky.close();
    }
  });

  it("a guard whose detectors fail refuses remote requests and still serves local ones", async () => {
    const broken = await serverWith(() => {
      throw new Error("rules file unreadable");
    });
    try {
      const who = broken.addMember();
      const err = await ask(who, "hello").catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 500, code: "guard_failed" });
      expect(up.requests).toHaveLength(0);
      const local = await ask(who, "hello", "tiny");
      expect(local.data.choices).toHaveLength(1);
      const state = await call(broken, broken.auth, "GET", "/guard");
      expect(state.body.keyvault.healthy).toBe(false);
    } finally {
      await broken.close();
    }
  });
});
