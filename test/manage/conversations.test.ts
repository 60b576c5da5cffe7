import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client, notFoundBody } from "./manageClient.js";

/** Conversations: CRUD, order and pages, full-text search, truncation, and privacy. */

let t: TestServer;
let owner: ReturnType<typeof client>;
let a: TestMember;
let b: TestMember;
let asA: ReturnType<typeof client>;
let asB: ReturnType<typeof client>;

beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
  a = t.addMember({ name: "Ada" });
  b = t.addMember({ name: "Bob" });
  asA = client(t, bearer(a.key));
  asB = client(t, bearer(b.key));
  // $1 per million prompt tokens, $2 per million completion tokens: 1 and 2 micro-dollars each.
  await owner.put("/prices/tiny", {
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 2_000_000,
    billing_mode: "org",
  });
});
afterAll(async () => {
  await t?.close();
});

const count = (sql: string, ...args: unknown[]) =>
  (t.core.db.prepare(sql).get(...args) as { n: number }).n;

const msg = (role: string, content: string) => ({ role, content });

describe("conversations", () => {
  it("creates, reads, patches and deletes one, messages and search entries included", async () => {
    const created = await asA.post("/conversations", {
      title: "Soup plans",
      system_prompt: "Answer briefly.",
      model: "tiny",
      messages: [msg("user", "What goes in minestrone?")],
    });
    expect(created.status).toBe(201);
    const c = created.body;
    expect(c.id).toMatch(/^conv_[0-9a-f]{16}$/);
    const first = c.messages[0];
    expect(c).toEqual({
      id: c.id,
      title: "Soup plans",
      system_prompt: "Answer briefly.",
      model: "tiny",
      message_count: 1,
      created_ms: c.created_ms,
      updated_ms: c.updated_ms,
      messages: [
        {
          id: first.id,
          conversation_id: c.id,
          position: 0,
          role: "user",
          content: "What goes in minestrone?",
          model: null,
          request_id: null,
          prompt_tokens: null,
          completion_tokens: null,
          cost_micros: null,
          ttft_ms: null,
          duration_ms: null,
          tokens_per_s: null,
          finish_reason: null,
          error: null,
          created_ms: first.created_ms,
        },
      ],
    });
    expect((await asA.get(`/conversations/${c.id}`)).body).toEqual(c);

    const added = await asA.post(`/conversations/${c.id}/messages`, {
      messages: [
        {
          role: "assistant",
          content: "Beans, pasta, **vegetables**.",
          model: "tiny",
          prompt_tokens: 12,
          completion_tokens: 7,
          ttft_ms: 40,
          duration_ms: 350,
          tokens_per_s: 22.5,
          finish_reason: "stop",
        },
      ],
    });
    expect(added.status).toBe(201);
    expect(added.body.data).toHaveLength(1);
    expect(added.body.data[0]).toMatchObject({
      position: 1,
      role: "assistant",
      prompt_tokens: 12,
      completion_tokens: 7,
      cost_micros: null,
      ttft_ms: 40,
      duration_ms: 350,
      tokens_per_s: 22.5,
      finish_reason: "stop",
      error: null,
    });

    const patched = await asA.patch(`/conversations/${c.id}`, {
      title: "Minestrone",
      system_prompt: "",
      model: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      title: "Minestrone",
      system_prompt: "",
      model: null,
      message_count: 2,
    });
    expect(patched.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "What goes in minestrone?",
      "Beans, pasta, **vegetables**.",
    ]);

    const deleted = await asA.del(`/conversations/${c.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: c.id, object: "conversation", deleted: true });
    expect((await asA.get(`/conversations/${c.id}`)).body).toEqual(notFoundBody("conversation"));
    expect(count("SELECT count(*) AS n FROM messages WHERE conversation_id = ?", c.id)).toBe(0);
    expect((await asA.get("/conversations?q=minestrone")).body.data).toEqual([]);
    expect(
      count("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'minestrone'"),
    ).toBe(0);
  });

  it("lists newest change first, in pages that follow next_cursor", async () => {
    const m = t.addMember();
    const me = client(t, bearer(m.key));
    const ids: string[] = [];
    for (const title of ["one", "two", "three"])
      ids.push((await me.post("/conversations", { title })).body.id);
    const titles = async (path: string) =>
      (await me.get(path)).body.data.map((c: { title: string }) => c.title);
    expect(await titles("/conversations")).toEqual(["three", "two", "one"]);
    // A new message, a rename: the conversation moves to the top.
    await me.post(`/conversations/${ids[0]}/messages`, { messages: [msg("user", "bump")] });
    expect(await titles("/conversations")).toEqual(["one", "three", "two"]);
    await me.patch(`/conversations/${ids[1]}`, { title: "two!" });
    expect(await titles("/conversations")).toEqual(["two!", "one", "three"]);

    const page1 = await me.get("/conversations?limit=2");
    expect(page1.body.data.map((c: { title: string }) => c.title)).toEqual(["two!", "one"]);
    expect(page1.body.has_more).toBe(true);
    expect(page1.body.next_cursor).toMatch(/^[0-9]+$/);
    expect(page1.body.data[0].snippet).toBeNull();
    const page2 = await me.get(`/conversations?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(page2.body.data.map((c: { title: string }) => c.title)).toEqual(["three"]);
  });

  it("searches titles and message text by word prefix, with a marked snippet", async () => {
    const m = t.addMember();
    const me = client(t, bearer(m.key));
    const kiwi = (
      await me.post("/conversations", {
        title: "Fruit",
        messages: [msg("user", "Is a kiwifruit a berry? Asking for the orchard.")],
      })
    ).body;
    const rust = (
      await me.post("/conversations", {
        title: "Borrow checker",
        messages: [msg("user", "Why does rustc reject this lifetime?")],
      })
    ).body;
    const ids = async (q: string) =>
      (await me.get(`/conversations?q=${encodeURIComponent(q)}`)).body.data.map(
        (c: { id: string }) => c.id,
      );
    expect(await ids("kiwi")).toEqual([kiwi.id]);
    expect(await ids("ORCHARD berry")).toEqual([kiwi.id]);
    expect(await ids("borrow")).toEqual([rust.id]);
    expect(await ids("lifetime")).toEqual([rust.id]);
    // Every word must match; a word in neither conversation finds nothing.
    expect(await ids("kiwi lifetime")).toEqual([]);
    expect(await ids("banana")).toEqual([]);
    // FTS syntax in the query is taken as words, never as an error.
    expect(await ids('"kiwi* OR (')).toEqual([kiwi.id]);
    expect(await ids("!!! ???")).toEqual([]);
    const hit = (await me.get("/conversations?q=berry")).body.data[0];
    expect(hit.snippet).toBe("Is a kiwifruit a \u0002berry\u0003? Asking for the orchard.");
    expect(hit).toMatchObject({ id: kiwi.id, title: "Fruit", message_count: 1 });
    const titleHit = (await me.get("/conversations?q=checker")).body.data[0];
    expect(titleHit.snippet).toBe("Borrow \u0002checker\u0003");
  });

  it("truncates from a message: it and every later one go, and positions continue", async () => {
    const c = (
      await asA.post("/conversations", {
        messages: [
          msg("user", "q1"),
          msg("assistant", "a1"),
          msg("user", "q2 zebra"),
          msg("assistant", "a2"),
        ],
      })
    ).body;
    expect(c.title).toBe("New chat");
    const rows = auditCount(t);
    const cut = await asA.post(`/conversations/${c.id}/truncate`, {
      from_message_id: c.messages[2].id,
    });
    expect(cut.status).toBe(200);
    expect(cut.body.message_count).toBe(2);
    expect(cut.body.messages.map((m: { content: string }) => m.content)).toEqual(["q1", "a1"]);
    expect(auditCount(t)).toBe(rows + 1);
    expect(JSON.parse(auditRows(t).at(-1)!.after_json as string)).toEqual({
      id: c.id,
      message_count: 2,
    });
    expect((await asA.get("/conversations?q=zebra")).body.data).toEqual([]);
    const next = await asA.post(`/conversations/${c.id}/messages`, {
      messages: [msg("user", "q2 edited")],
    });
    expect(next.body.data[0].position).toBe(2);
    // A message that is gone, or belongs to another conversation: 404, nothing removed.
    const other = (await asA.post("/conversations", { messages: [msg("user", "x")] })).body;
    for (const from of [c.messages[3].id, other.messages[0].id]) {
      const r = await asA.post(`/conversations/${c.id}/truncate`, { from_message_id: from });
      expect(r.status).toBe(404);
      expect(r.body).toEqual(notFoundBody("message"));
    }
    expect((await asA.get(`/conversations/${c.id}`)).body.message_count).toBe(3);
  });

  it("fills an assistant message's cost, and missing usage, from the settled ledger", async () => {
    const { data, response } = await a.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 4 })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    const usage = data.usage!;
    const cost = usage.prompt_tokens * 1 + usage.completion_tokens * 2;
    const row = t.core.db
      .prepare("SELECT cost_micros AS n FROM usage WHERE request_id = ? AND state = 'settled'")
      .get(requestId) as { n: number };
    expect(row.n).toBe(cost);
    const c = (
      await asA.post("/conversations", {
        messages: [
          msg("user", "hi"),
          {
            role: "assistant",
            content: "partial",
            request_id: requestId,
            finish_reason: "aborted",
          },
        ],
      })
    ).body;
    expect(c.messages[1]).toMatchObject({
      request_id: requestId,
      cost_micros: cost,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      finish_reason: "aborted",
    });
    // Another member naming A's request id learns nothing: no cost, no tokens.
    const theirs = await asB.post("/conversations", {
      messages: [{ role: "assistant", content: "x", request_id: requestId }],
    });
    expect(theirs.body.messages[0]).toMatchObject({
      cost_micros: null,
      prompt_tokens: null,
      completion_tokens: null,
    });
  });

  it("refuses bad input with OpenAI-shaped 400s, writing nothing", async () => {
    const rows = auditCount(t);
    const before = count("SELECT count(*) AS n FROM conversations");
    const unknown = await asA.post("/conversations", { title: "x", owner_id: b.id });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: {
        message: "Unrecognized request argument supplied: owner_id",
        type: "invalid_request_error",
        param: "owner_id",
        code: "unknown_parameter",
      },
    });
    const role = await asA.post("/conversations", { messages: [msg("tool", "x")] });
    expect(role.status).toBe(400);
    expect(role.body.error).toMatchObject({
      type: "invalid_request_error",
      param: "messages[0].role",
      code: "invalid_value",
    });
    const c = (await asA.post("/conversations", {})).body;
    const after = count("SELECT count(*) AS n FROM conversations");
    const empty = await asA.post(`/conversations/${c.id}/messages`, { messages: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ param: "messages", code: "invalid_value" });
    const missing = await asA.post(`/conversations/${c.id}/truncate`, {});
    expect(missing.body.error).toMatchObject({
      param: "from_message_id",
      code: "missing_required_parameter",
    });
    const patch = await asA.patch(`/conversations/${c.id}`, {});
    expect(patch.status).toBe(400);
    expect(patch.body.error.code).toBe("empty_patch");
    const cursor = await asA.get("/conversations?cursor=abc");
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ param: "cursor", code: "invalid_value" });
    expect(after).toBe(before + 1);
    expect(auditCount(t)).toBe(rows + 1);
  });
});

describe("privacy", () => {
  it("member A cannot read, change, search or delete B's conversation: the 404 of a missing id", async () => {
    const secret = `tangerine${Math.random().toString(36).slice(2, 8)}`;
    const bc = (
      await asB.post("/conversations", {
        title: `B ${secret}`,
        system_prompt: secret,
        messages: [msg("user", `my ${secret} plan`)],
      })
    ).body;
    const rows = auditCount(t);
    const attempts: [string, string, unknown][] = [
      ["GET", "", undefined],
      ["PATCH", "", { title: "mine now" }],
      ["DELETE", "", undefined],
      ["POST", "/messages", { messages: [msg("user", "injected")] }],
      ["POST", "/truncate", { from_message_id: bc.messages[0].id }],
    ];
    for (const [method, suffix, body] of attempts) {
      const send = (id: string) =>
        fetch(`${t.url}/manage/v1/conversations/${id}${suffix}`, {
          method,
          headers: { ...bearer(a.key), "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const theirs = await send(bc.id);
      const missing = await send("conv_0123456789abcdef");
      const where = `${method} ${suffix}`;
      expect(theirs.status, where).toBe(404);
      const text = await theirs.text();
      expect(JSON.parse(text), where).toEqual(notFoundBody("conversation"));
      expect(text, where).toBe(await missing.text());
    }
    const search = await asA.get(`/conversations?q=${secret}`);
    expect(search.body.data).toEqual([]);
    expect((await asA.get("/conversations")).text).not.toContain(secret);
    expect(auditCount(t)).toBe(rows);
    // B's conversation is exactly as it was.
    expect((await asB.get(`/conversations/${bc.id}`)).body).toEqual(bc);
    expect(
      (await asB.get(`/conversations?q=${secret}`)).body.data.map((c: { id: string }) => c.id),
    ).toEqual([bc.id]);
  });

  it("the owner sees none of a member's chats; audit rows and events carry no content", async () => {
    const secret = `persimmon${Math.random().toString(36).slice(2, 8)}`;
    const events: unknown[] = [];
    const off = t.core.events.on((e) => events.push(e));
    const bc = (
      await asB.post("/conversations", {
        title: secret,
        messages: [msg("user", secret)],
      })
    ).body;
    await asB.patch(`/conversations/${bc.id}`, { system_prompt: secret });
    await asB.post(`/conversations/${bc.id}/messages`, { messages: [msg("user", secret)] });
    off();
    expect(events.map((e) => (e as { type: string }).type)).toEqual([
      "conversation.create",
      "conversation.update",
      "conversation.messages",
    ]);
    expect(JSON.stringify(events)).not.toContain(secret);
    const mine = await owner.get("/conversations");
    expect(mine.status).toBe(200);
    expect(mine.text).not.toContain(bc.id);
    expect((await owner.get(`/conversations?q=${secret}`)).body.data).toEqual([]);
    expect((await owner.get(`/conversations/${bc.id}`)).body).toEqual(notFoundBody("conversation"));
    const audit = await owner.get("/audit?limit=500");
    expect(audit.text).toContain(bc.id);
    expect(audit.text).not.toContain(secret);
    const last = auditRows(t).at(-1)!;
    expect(last).toMatchObject({
      action: "conversation.update",
      target_type: "conversation",
      target_id: bc.id,
      actor_id: b.id,
    });
    expect(JSON.parse(last.after_json as string)).toEqual({
      id: bc.id,
      message_count: 1,
      changed: ["system_prompt"],
    });
    // Appending is not audited (the usage rows record each completion): the update stays last.
    expect(auditRows(t).filter((r) => r.target_id === bc.id)).toHaveLength(2);
  });

  it("viewers read their (empty) list but cannot write conversations", async () => {
    const v = client(t, bearer(t.addMember({ role: "viewer" }).key));
    const list = await v.get("/conversations");
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ object: "list", data: [], has_more: false, next_cursor: null });
    const create = await v.post("/conversations", { title: "x" });
    expect(create.status).toBe(403);
    expect(create.body.error).toMatchObject({
      type: "permission_error",
      code: "insufficient_permissions",
    });
  });
});
