import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "./ledgerQueries.js";

let t: TestServer;
let content: string;
/** 4 output tokens at $2.50/M: 10 micro-dollars per request, exactly. */
const COST = 10;

beforeAll(async () => {
  t = await startTestServer();
  content = await longRunningPrompt(t);
});
afterAll(() => t?.close());

const ask = (client: OpenAI, model = "tiny") =>
  client.chat.completions
    .create({ model, messages: [{ role: "user", content }], max_tokens: 4, temperature: 0 })
    .then(
      () => "ok",
      (e: unknown) => {
        if (!(e instanceof OpenAI.APIError)) throw e;
        return `${e.status} ${e.code}`;
      },
    );

describe("member-paid models draw on credits", () => {
  it("needs credits for the worst case, debits the real cost, and keeps a ledger", async () => {
    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 0,
      output_micros_per_mtok: 2_500_000,
      billing_mode: "member",
    });
    const m = t.addMember();
    expect(await ask(m.openai)).toBe("429 insufficient_credits");
    t.core.ledger.addCredits(m.id, "grant", 2 * COST + 5, t.core.ownerId, "welcome");
    expect(await ask(m.openai)).toBe("ok");
    expect(await ask(m.openai)).toBe("ok");
    // 5 micro-dollars left: less than one worst case.
    expect(await ask(m.openai)).toBe("429 insufficient_credits");
    expect(t.core.ledger.creditsOf(m.id)).toEqual({ balance: 5, reserved: 0 });
    // Running out is an alert, raised once a day however many requests it refuses.
    expect(
      t.core.store.alerts.list({ memberId: m.id }).map((a) => [a.kind, a.capMicros, a.spentMicros]),
    ).toEqual([["credits", COST, 0]]);
    const entries = t.core.store.credits.entries(m.id);
    expect(entries.map((e) => [e.kind, e.amountMicros])).toEqual([
      ["debit", -COST],
      ["debit", -COST],
      ["grant", 2 * COST + 5],
    ]);
    const rows = usageRows(t.core, "member_id = ? AND state = 'settled'", m.id);
    expect(
      entries
        .filter((e) => e.kind === "debit")
        .map((e) => e.usageId)
        .sort(),
    ).toEqual(rows.map((r) => r.id).sort());
    expect(rows.every((r) => r.billing_mode === "member")).toBe(true);
  });
});

describe("alerts", () => {
  it("are raised once at 80% and at 100% of a cap, stored and pushed", async () => {
    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 0,
      output_micros_per_mtok: 2_500_000,
      billing_mode: "org",
    });
    const m = t.addMember({ limits: { daily_cap_micros: 5 * COST } });
    const pushed: BenchtopEvent[] = [];
    const off = t.core.events.on((e) => {
      if (e.type === "alert") pushed.push(e);
    });
    try {
      for (let i = 0; i < 3; i++) expect(await ask(m.openai)).toBe("ok");
      expect(t.core.store.alerts.list({ memberId: m.id })).toEqual([]);
      expect(await ask(m.openai)).toBe("ok"); // 40 of 50: 80%
      expect(t.core.store.alerts.list({ memberId: m.id }).map((a) => a.thresholdPct)).toEqual([80]);
      expect(await ask(m.openai)).toBe("ok"); // 50 of 50: 100%
      expect(await ask(m.openai)).toBe("429 insufficient_quota");
      const alerts = t.core.store.alerts.list({ memberId: m.id });
      expect(
        alerts.map((a) => [a.kind, a.thresholdPct, a.spentMicros, a.capMicros]).sort(),
      ).toEqual([
        ["daily_cap", 100, 5 * COST, 5 * COST],
        ["daily_cap", 80, 4 * COST, 5 * COST],
      ]);
      expect(
        pushed.map((e) => [e.memberId, (e.data as { thresholdPct: number }).thresholdPct]),
      ).toEqual([
        [m.id, 80],
        [m.id, 100],
      ]);
    } finally {
      off();
    }
  });
});

describe("a cap that starts refusing", () => {
  it("raises the 100% alert even while settled spend is below the cap", async () => {
    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 0,
      output_micros_per_mtok: 2_500_000,
      billing_mode: "org",
    });
    const m = t.addMember({ limits: { daily_cap_micros: 45 } });
    for (let i = 0; i < 4; i++) expect(await ask(m.openai)).toBe("ok");
    expect(await ask(m.openai)).toBe("429 insufficient_quota"); // 40 + 10 > 45
    expect(await ask(m.openai)).toBe("429 insufficient_quota");
    const alerts = t.core.store.alerts.list({ memberId: m.id });
    expect(alerts.map((a) => [a.thresholdPct, a.spentMicros, a.capMicros]).sort()).toEqual([
      [100, 40, 45],
      [80, 40, 45],
    ]);
  });
});

describe("allowed models", () => {
  it("a model outside the member's allow-list is 403 model_not_allowed and hidden from /v1/models", async () => {
    const m = t.addMember({ limits: { allowed_models: ["other-model"] } });
    expect(await ask(m.openai)).toBe("403 model_not_allowed");
    expect((await m.openai.models.list()).data).toEqual([]);
    await expect(m.openai.models.retrieve("tiny")).rejects.toMatchObject({ status: 404 });
    expect(usageRows(t.core, "member_id = ?", m.id)).toEqual([]);
  });
});
