import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  longRunningPrompt,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";
import { usageRows } from "./ledgerQueries.js";

/**
 * Daily and monthly caps follow the org's calendar, not UTC and not "24 hours": the real server
 * runs on a fake clock that the tests move across local midnights, DST changes and month ends.
 */
let t: TestServer;
let clock = Date.parse("2026-01-15T12:00:00Z");
let content: string;
/** 4 output tokens at $2.50/M: 10 micro-dollars per request, exactly. */
const COST = 10;

beforeAll(async () => {
  t = await startTestServer({ now: () => clock });
  content = await longRunningPrompt(t);
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 0,
    output_micros_per_mtok: 2_500_000,
    billing_mode: "org",
  });
});
afterAll(() => t?.close());

/** One request at instant `iso`: `ok`, or the 429's code and retry-after. */
async function at(member: TestMember, iso: string) {
  clock = Date.parse(iso);
  try {
    await member.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content }],
      max_tokens: 4,
      temperature: 0,
    });
    return "ok";
  } catch (err) {
    if (!(err instanceof APIError) || err.status !== 429) throw err;
    return `${err.code} retry-after=${err.headers?.get("retry-after")}`;
  }
}

const lastRow = (member: TestMember) => usageRows(t.core, "member_id = ?", member.id).at(-1)!;

describe("budget windows in the org's time zone", () => {
  it("a daily cap resets at local midnight, also on a 23-hour spring-forward day", async () => {
    t.core.ledger.setTimeZone("America/New_York");
    const m = t.addMember({ limits: { daily_cap_micros: 2 * COST } });
    // 2026-03-07 23:59:59.8 EST (UTC-5).
    expect(await at(m, "2026-03-08T04:59:59.800Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2026-03-07", month: "2026-03" });
    expect(await at(m, "2026-03-08T04:59:59.850Z")).toBe("ok");
    // Cap reached 100 ms before midnight: retry-after rounds the 100 ms up to a second.
    expect(await at(m, "2026-03-08T04:59:59.900Z")).toBe("insufficient_quota retry-after=1");
    // 00:00:00.100 local: a new day.
    expect(await at(m, "2026-03-08T05:00:00.100Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2026-03-08" });
    expect(await at(m, "2026-03-08T05:00:00.200Z")).toBe("ok");
    // The clocks jump 02:00 → 03:00: this day ends 23 h after it began, at 04:00Z (EDT).
    expect(await at(m, "2026-03-09T03:00:00.000Z")).toBe("insufficient_quota retry-after=3600");
    expect(await at(m, "2026-03-09T04:00:00.100Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2026-03-09" });
  });

  it("a 25-hour fall-back day keeps its requests together", async () => {
    t.core.ledger.setTimeZone("America/New_York");
    const m = t.addMember({ limits: { daily_cap_micros: 2 * COST } });
    // 2026-11-01 00:30 EDT, then 23:30 EST the same local day: 24 hours later, still Nov 1.
    expect(await at(m, "2026-11-01T04:30:00.000Z")).toBe("ok");
    expect(await at(m, "2026-11-02T04:30:00.000Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2026-11-01" });
    expect(await at(m, "2026-11-02T04:59:59.900Z")).toBe("insufficient_quota retry-after=1");
    expect(await at(m, "2026-11-02T05:00:00.100Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2026-11-02" });
  });

  it("a monthly cap resets on the 1st in the org's zone, after a leap day", async () => {
    t.core.ledger.setTimeZone("Europe/Berlin");
    const m = t.addMember({ limits: { monthly_cap_micros: 3 * COST } });
    expect(await at(m, "2028-02-01T00:00:00.000Z")).toBe("ok");
    expect(await at(m, "2028-02-15T12:00:00.000Z")).toBe("ok");
    // 2028-02-29 23:59:59.900 CET (UTC+1) is still February.
    expect(await at(m, "2028-02-29T22:59:59.900Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2028-02-29", month: "2028-02" });
    expect(await at(m, "2028-02-29T22:59:59.950Z")).toBe("insufficient_quota retry-after=1");
    // 00:00:00.100 on March 1st in Berlin, still Feb 29 in UTC.
    expect(await at(m, "2028-02-29T23:00:00.100Z")).toBe("ok");
    expect(lastRow(m)).toMatchObject({ day: "2028-03-01", month: "2028-03" });
  });

  it("an org-wide daily cap follows the same calendar", async () => {
    t.core.ledger.setTimeZone("Asia/Kolkata"); // UTC+5:30
    const a = t.addMember();
    const b = t.addMember();
    clock = Date.parse("2026-06-30T18:29:00.000Z"); // 23:59 local
    const spentToday = t.core.ledger.status(null).spend_today_micros;
    t.core.store.limits.setLimits("org", { daily_cap_micros: spentToday + 2 * COST });
    try {
      expect(await at(a, "2026-06-30T18:29:00.000Z")).toBe("ok");
      expect(await at(b, "2026-06-30T18:29:30.000Z")).toBe("ok");
      expect(await at(a, "2026-06-30T18:29:59.900Z")).toBe("insufficient_quota retry-after=1");
      expect(await at(b, "2026-06-30T18:30:00.100Z")).toBe("ok");
      expect(lastRow(b)).toMatchObject({ day: "2026-07-01", month: "2026-07" });
    } finally {
      t.core.store.limits.setLimits("org", {});
    }
  });
});
