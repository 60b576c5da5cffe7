import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";
import { countByState, settledSpend, usageRows } from "./ledgerQueries.js";

/**
 * The LiteLLM failure this guards against: budgets checked but not reserved, so concurrent
 * requests all pass the check before any spend is recorded. Here every request's worst case is
 * reserved in the same synchronous transaction that checks the cap.
 */
let t: TestServer;
let content: string;
const MAX_TOKENS = 4;
/** $2.50 per million output tokens: a 4-token completion costs exactly 10 micro-dollars. */
const OUTPUT_PRICE = 2_500_000;
const WORST_CASE = 10;

beforeAll(async () => {
  // A queue long enough for every admitted request: the test is about admission, not capacity.
  t = await startTestServer({ engine: { sequences: 4, maxQueue: 1000 } });
  content = await longRunningPrompt(t); // greedy decoding runs to max_tokens on this prompt
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 0,
    output_micros_per_mtok: OUTPUT_PRICE,
    billing_mode: "org",
  });
});
afterAll(() => t?.close());

type Outcome =
  | { ok: true; completionTokens: number }
  | { ok: false; status: number; code: string | null | undefined; shouldRetry: string | null };

async function fire(client: TestServer["openai"], n: number): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: n }, async (): Promise<Outcome> => {
      try {
        const res = await client.chat.completions.create({
          model: "tiny",
          messages: [{ role: "user", content }],
          max_tokens: MAX_TOKENS,
          temperature: 0,
        });
        return { ok: true, completionTokens: res.usage!.completion_tokens };
      } catch (err) {
        if (!(err instanceof APIError)) throw err;
        return {
          ok: false,
          status: err.status ?? 0,
          code: err.code,
          shouldRetry: err.headers?.get("x-should-retry") ?? null,
        };
      }
    }),
  );
}

describe("hard budgets under concurrency", () => {
  it("1,000 concurrent requests against a cap of exactly 100 worst cases: 100 admitted, the rest 429", async () => {
    const m = t.addMember({ limits: { daily_cap_micros: 100 * WORST_CASE } });
    const outcomes = await fire(m.openai, 1000);

    const admitted = outcomes.filter((o) => o.ok);
    const refused = outcomes.filter((o) => !o.ok);
    expect(admitted).toHaveLength(100);
    expect(admitted.every((o) => o.completionTokens === MAX_TOKENS)).toBe(true);
    expect(refused).toHaveLength(900);
    for (const o of refused)
      expect(o).toEqual({
        ok: false,
        status: 429,
        code: "insufficient_quota",
        shouldRetry: "false",
      });

    // The ledger agrees: 100 settled rows, spend exactly at (never above) the cap, none held.
    const rows = usageRows(t.core, "member_id = ?", m.id);
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.state === "settled" && r.cost_micros === WORST_CASE)).toBe(true);
    expect(settledSpend(t.core, m.id)).toBe(100 * WORST_CASE);
    expect(countByState(t.core).reserved).toBe(0);
    // The in-memory sums the ledger admits against equal the sums recomputed from the rows.
    expect(t.core.ledger.status(m.id)).toMatchObject({
      in_flight: 0,
      spend_today_micros: settledSpend(t.core, m.id),
      reserved_today_micros: 0,
    });
  });

  it("4 members × 250 concurrent requests under an org cap below their sum: the org cap holds", async () => {
    const before = settledSpend(t.core);
    const members = Array.from({ length: 4 }, () =>
      t.addMember({ limits: { daily_cap_micros: 100 * WORST_CASE } }),
    );
    // The org cap leaves room for exactly 250 more worst cases today.
    t.core.store.limits.setLimits("org", { daily_cap_micros: before + 250 * WORST_CASE });
    try {
      const results = await Promise.all(members.map((m) => fire(m.openai, 250)));

      for (const r of results)
        for (const o of r.filter((x) => !x.ok))
          expect(o).toMatchObject({
            status: 429,
            code: "insufficient_quota",
            shouldRetry: "false",
          });
      const admitted = results.map((r) => r.filter((o) => o.ok).length);
      expect(admitted.reduce((a, b) => a + b, 0)).toBe(250);
      for (const n of admitted) expect(n).toBeLessThanOrEqual(100);
      for (const m of members)
        expect(settledSpend(t.core, m.id)).toBeLessThanOrEqual(100 * WORST_CASE);
      expect(settledSpend(t.core)).toBe(before + 250 * WORST_CASE);
      expect(t.core.ledger.status(null)).toMatchObject({
        spend_today_micros: settledSpend(t.core),
        reserved_today_micros: 0,
      });
      expect(countByState(t.core).reserved).toBe(0);
    } finally {
      t.core.store.limits.setLimits("org", {});
    }
  });
});
