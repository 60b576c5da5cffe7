import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitizeSessionId } from "../../src-main/server/requestContext.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";

/**
 * Sessions (issue 12, part 6): the client's session id on each usage row, and the per-session
 * usage of `GET /usage/sessions` and the request log's `session_id` filter.
 */
let t: TestServer;
let alice: TestMember;
let bob: TestMember;
beforeAll(async () => {
  t = await startTestServer();
  alice = t.addMember({ name: "Alice" });
  bob = t.addMember({ name: "Bob" });
});
afterAll(async () => {
  await t?.close();
});

/** A one-token chat completion with the given headers. */
function chat(key: string, headers: Record<string, string>, model = "tiny"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL("/v1/chat/completions", t.url),
      {
        method: "POST",
        headers: { ...bearer(key), "content-type": "application/json", ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 1 }));
  });
}

describe("sanitizeSessionId", () => {
  it("removes control and format characters, trims, and keeps 128 characters", () => {
    expect(sanitizeSessionId(undefined)).toBeUndefined();
    expect(sanitizeSessionId("  \u0085\u200b ")).toBeUndefined();
    expect(sanitizeSessionId(" ab\u0085c\u202ed\u0000e\u200bf ")).toBe("abcdef");
    expect(sanitizeSessionId("x".repeat(300))).toBe("x".repeat(128));
    // Whole code points: an astral character is never cut in half.
    expect(sanitizeSessionId(`${"a".repeat(127)}🚀🚀`)).toBe(`${"a".repeat(127)}🚀`);
  });
});

describe("sessions", () => {
  it("records the session id on usage rows and sums cost per session; members see their own", async () => {
    const claude = "0f8e3c1a-5b2d-4e7f-9a10-claude";
    expect(await chat(alice.key, { "x-claude-code-session-id": claude })).toBe(200);
    expect(await chat(alice.key, { "x-claude-code-session-id": claude })).toBe(200);
    // Claude Code's header wins over the generic one.
    expect(
      await chat(alice.key, { "x-claude-code-session-id": claude, "x-session-id": "other" }),
    ).toBe(200);
    // The generic header, with a tab inside (a control character: dropped).
    expect(await chat(alice.key, { "x-session-id": "task-\t7" })).toBe(200);
    expect(await chat(alice.key, {})).toBe(200);
    // Bob uses the same id: a different session (sessions are per member).
    expect(await chat(bob.key, { "x-session-id": "task-7" })).toBe(200);
    // An admission refused before a row exists (unknown model) records nothing.
    expect(await chat(alice.key, { "x-session-id": "task-7" }, "missing-model")).toBe(404);

    const rows = t.core.db
      .prepare("SELECT member_id, session_id FROM usage ORDER BY created_ms, id")
      .all() as { member_id: string; session_id: string | null }[];
    expect(rows.map((r) => [r.member_id === alice.id ? "alice" : "bob", r.session_id])).toEqual([
      ["alice", claude],
      ["alice", claude],
      ["alice", claude],
      ["alice", "task-7"],
      ["alice", null],
      ["bob", "task-7"],
    ]);

    const owner = client(t, t.auth);
    const all = await owner.get(`/usage/sessions?start_ms=0`);
    expect(all.status).toBe(200);
    const byKey = (data: { member_id: string; session_id: string }[]) =>
      data.map((s) => `${s.member_id === alice.id ? "alice" : "bob"}/${s.session_id}`).sort();
    expect(byKey(all.body.data)).toEqual(["alice/task-7", `alice/${claude}`, "bob/task-7"].sort());
    expect(all.body.has_more).toBe(false);
    const mine = (await client(t, bearer(alice.key)).get(`/usage/sessions?start_ms=0`)).body;
    expect(byKey(mine.data)).toEqual(["alice/task-7", `alice/${claude}`].sort());
    const session = mine.data.find((s: { session_id: string }) => s.session_id === claude);
    // The sums are the session's settled rows, summed in SQL here to compare.
    const sums = t.core.db
      .prepare(
        `SELECT count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
           sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros,
           min(created_ms) AS first_ms, max(created_ms) AS last_ms
         FROM usage WHERE session_id = ? AND state = 'settled'`,
      )
      .get(claude) as Record<string, number>;
    expect(session).toEqual({
      session_id: claude,
      member_id: alice.id,
      requests: 3,
      prompt_tokens: sums.prompt_tokens,
      completion_tokens: sums.completion_tokens,
      cached_tokens: expect.any(Number) as number,
      cost_micros: sums.cost_micros,
      estimated_requests: 0,
      in_flight_requests: 0,
      reserved_micros: 0,
      first_ms: sums.first_ms,
      last_ms: sums.last_ms,
      models: ["tiny"],
    });
    expect(sums.requests).toBe(3);

    // A member asking for another member's sessions gets the member 404; the owner may filter.
    const theirs = await client(t, bearer(alice.key)).get(
      `/usage/sessions?start_ms=0&member_id=${bob.id}`,
    );
    expect(theirs.status).toBe(404);
    const bobs = (await owner.get(`/usage/sessions?start_ms=0&member_id=${bob.id}`)).body;
    expect(byKey(bobs.data)).toEqual(["bob/task-7"]);

    // Paging: the most recently active first, `has_more` past the limit.
    const one = (await owner.get(`/usage/sessions?start_ms=0&limit=1`)).body;
    expect([byKey(one.data), one.has_more]).toEqual([["bob/task-7"], true]);
    // A period before the requests has none.
    expect((await owner.get(`/usage/sessions?start_ms=0&end_ms=1`)).body.data).toEqual([]);
    expect((await owner.get(`/usage/sessions?start_ms=5&end_ms=5`)).status).toBe(400);

    // The request log shows the id and filters by it (members: their own rows only).
    const log = (await owner.get(`/usage/requests?session_id=task-7`)).body.data as {
      member_id: string;
      session_id: string;
    }[];
    expect(log.map((r) => [r.member_id === alice.id, r.session_id]).sort()).toEqual([
      [false, "task-7"],
      [true, "task-7"],
    ]);
    const aliceLog = (await client(t, bearer(alice.key)).get(`/usage/requests?session_id=task-7`))
      .body.data as { member_id: string }[];
    expect(aliceLog.map((r) => r.member_id)).toEqual([alice.id]);
  });
});
