import { describe, expect, it } from "vitest";
import { formatReset, rateLimitHeaders } from "../../src-main/policy/rateLimitHeaders.js";
import { RateWindows, WINDOW_MS } from "../../src-main/policy/rateWindows.js";
import { NO_LIMITS } from "../../src-main/contract/limits.js";

describe("sliding-minute windows", () => {
  it("count admissions and tokens over exactly the last 60 s", () => {
    const rw = new RateWindows();
    const t0 = 1_000_000;
    rw.admit(["a"], t0, 100);
    rw.admit(["a"], t0 + 10_000, 50);
    expect(rw.window("a", t0 + 10_000)).toMatchObject({ requests: 2, tokens: 150, inFlight: 2 });
    // The first admission leaves the window exactly 60 s after it entered.
    expect(rw.window("a", t0 + WINDOW_MS - 1)).toMatchObject({ requests: 2, tokens: 150 });
    expect(rw.window("a", t0 + WINDOW_MS)).toMatchObject({ requests: 1, tokens: 50 });
    expect(rw.window("a", t0 + WINDOW_MS).oldestLeavesInMs(t0 + WINDOW_MS)).toBe(10_000);
  });

  it("reconcile reserved tokens to actual, and free in-flight slots", () => {
    const rw = new RateWindows();
    const ticket = rw.admit(["m", "org"], 0, 500);
    rw.finish(ticket, 120, 1);
    for (const k of ["m", "org"])
      expect(rw.window(k, 2)).toMatchObject({ tokens: 120, inFlight: 0, peakInFlight: 1 });
  });

  it("say when enough tokens leave for a request to fit", () => {
    const rw = new RateWindows();
    rw.admit(["a"], 0, 300);
    rw.admit(["a"], 20_000, 300);
    const w = rw.window("a", 30_000);
    expect(w.tokensFreeInMs(30_000, 400, 1000)).toBe(0);
    expect(w.tokensFreeInMs(30_000, 600, 1000)).toBe(30_000); // after the first leaves at 60 s
    expect(w.tokensFreeInMs(30_000, 900, 1000)).toBe(50_000); // after both
    expect(w.tokensFreeInMs(30_000, 1001, 1000)).toBe(WINDOW_MS); // never fits
  });
});

describe("x-ratelimit headers", () => {
  it("describe only the limits that are set, in OpenAI's duration format", () => {
    const rw = new RateWindows();
    rw.admit(["a"], 0, 10);
    const w = rw.window("a", 1_500);
    expect(rateLimitHeaders(w, NO_LIMITS, 1_500)).toEqual({});
    expect(rateLimitHeaders(w, { ...NO_LIMITS, rpm: 3, tpm: 100 }, 1_500)).toEqual({
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "2",
      "x-ratelimit-reset-requests": "58.5s",
      "x-ratelimit-limit-tokens": "100",
      "x-ratelimit-remaining-tokens": "90",
      "x-ratelimit-reset-tokens": "58.5s",
    });
    expect([
      formatReset(20),
      formatReset(1_000),
      formatReset(59_999),
      formatReset(360_000),
    ]).toEqual(["20ms", "1s", "1m0s", "6m0s"]);
  });
});
