import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "./ledgerQueries.js";

let t: TestServer;
let clock = Date.parse("2026-05-04T10:00:00Z");
let content: string;

beforeAll(async () => {
  t = await startTestServer({ now: () => clock, engine: { maxQueue: 200 } });
  content = await longRunningPrompt(t);
});
afterAll(() => t?.close());

/** One chat; the status and the rate-limit headers of the answer. */
async function call(client: OpenAI, maxTokens = 2) {
  try {
    const { response } = await client.chat.completions
      .create({
        model: "tiny",
        messages: [{ role: "user", content }],
        max_tokens: maxTokens,
        temperature: 0,
      })
      .withResponse();
    return { status: 200, headers: response.headers, code: null };
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    return { status: err.status, headers: err.headers!, code: err.code, type: err.type };
  }
}

describe("rate limits", () => {
  it("requests per minute hold in every sliding minute, with headers matching the ledger", async () => {
    const m = t.addMember({ limits: { rpm: 5 } });
    const start = clock;
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock = start + i * 1000;
      const r = await call(m.openai);
      expect(r.status).toBe(200);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("5");
      remaining.push(r.headers.get("x-ratelimit-remaining-requests")!);
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
    // The 6th within the minute: 429, retry when the oldest request leaves the window.
    clock = start + 30_000;
    const refused = await call(m.openai);
    expect(refused).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "requests" });
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(refused.headers.get("retry-after-ms")).toBe("30000");
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused.headers.get("x-should-retry")).toBeNull();
    // Exactly 60 s after the first, one slot is free again — and only one.
    clock = start + 60_000;
    expect((await call(m.openai)).status).toBe(200);
    expect((await call(m.openai)).status).toBe(429);
    clock = start + 61_000;
    expect((await call(m.openai)).status).toBe(200);

    // The ledger agrees: no 60 s window holds more than 5 admissions.
    const times = usageRows(t.core, "member_id = ?", m.id).map((r) => r.created_ms);
    expect(times).toHaveLength(7);
    for (const from of times)
      expect(times.filter((x) => x >= from && x < from + 60_000).length).toBeLessThanOrEqual(5);
  });

  it("tokens per minute count reservations, then what was really used", async () => {
    const m = t.addMember({ limits: { tpm: 300 } });
    clock += 120_000;
    const first = await call(m.openai, 4);
    expect(first.status).toBe(200);
    const [row] = usageRows(t.core, "member_id = ?", m.id);
    // Admission reserved the worst case; the header said so at the time.
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBe(
      300 - row!.reserved_tokens,
    );
    // After settlement the window holds the real tokens only.
    expect(t.core.ledger.status(m.id).tokens_last_minute).toBe(
      row!.prompt_tokens! + row!.completion_tokens!,
    );
    // A request whose worst case alone exceeds the limit can never pass: no point retrying.
    const huge = await call(m.openai, 280);
    expect(huge).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "tokens" });
    expect(huge.headers.get("x-should-retry")).toBe("false");
  });

  it("concurrent requests never exceed the cap (observed server-side)", async () => {
    const m = t.addMember({ limits: { max_concurrent: 3 } });
    const results = await Promise.all(Array.from({ length: 30 }, () => call(m.openai, 24)));
    const refused = results.filter((r) => r.status !== 200);
    for (const r of refused) {
      expect(r).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "requests" });
      expect(r.headers.get("retry-after")).toBe("1");
    }
    expect(results.length - refused.length).toBeGreaterThanOrEqual(3);
    expect(t.core.ledger.status(m.id)).toMatchObject({ in_flight: 0, peak_in_flight: 3 });
  });
});
