import { describe, expect, it } from "vitest";
import {
  DEFAULT_REST_MS,
  backoffMs,
  classifyFailure,
  parseRetryAfter,
  type FailureAction,
  type UpstreamFailure,
} from "../../src-main/pools/errorClass.js";

type Row = [name: string, failure: Omit<UpstreamFailure, "afterFirstByte">, action: FailureAction];

// Research T14's failover table, row by row, before the first byte.
const rows: Row[] = [
  // 401/403: disable the key, try the next one.
  ["401", { status: 401 }, { action: "disable_key", retryNext: true }],
  ["403", { status: 403 }, { action: "disable_key", retryNext: true }],
  // 429 rate limit: rest for retry-after, or 30 s without one.
  ["429 + retry-after", { status: 429, retryAfterMs: 7000 }, restKey(7000)],
  ["429 without retry-after", { status: 429 }, restKey(DEFAULT_REST_MS)],
  ["429 retry-after 0", { status: 429, retryAfterMs: 0 }, restKey(0)],
  ["429 retry-after NaN", { status: 429, retryAfterMs: Number.NaN }, restKey(DEFAULT_REST_MS)],
  [
    "429 OpenAI rate_limit_exceeded",
    { status: 429, code: "rate_limit_exceeded", type: "requests", retryAfterMs: 1200 },
    restKey(1200),
  ],
  // Quota: exhausted, not rested.
  [
    "429 OpenAI insufficient_quota",
    { status: 429, code: "insufficient_quota", type: "insufficient_quota" },
    exhaust(),
  ],
  ["429 type insufficient_quota, no code", { status: 429, type: "insufficient_quota" }, exhaust()],
  [
    "429 Anthropic spend cap (rate_limit_error + enforced_spend_limit_reached)",
    { status: 429, type: "rate_limit_error", code: "enforced_spend_limit_reached" },
    exhaust(),
  ],
  [
    "400 OpenAI billing_hard_limit_reached",
    { status: 400, code: "billing_hard_limit_reached" },
    exhaust(),
  ],
  ["402 Anthropic billing_error", { status: 402, type: "billing_error" }, exhaust()],
  ["402 without a body (OpenRouter credits)", { status: 402 }, exhaust()],
  // 408/409/5xx/529/transport: cool down, next connection after backoff.
  ["408", { status: 408 }, coolDown()],
  ["409", { status: 409 }, coolDown()],
  ["500", { status: 500 }, coolDown()],
  ["502", { status: 502 }, coolDown()],
  ["503", { status: 503 }, coolDown()],
  ["504", { status: 504 }, coolDown()],
  ["529", { status: 529 }, coolDown()],
  [
    "500 with a quota code still cools down",
    { status: 500, code: "insufficient_quota" },
    coolDown(),
  ],
  ["connect error", { kind: "connect" }, coolDown()],
  ["timeout", { kind: "timeout" }, coolDown()],
  ["malformed answer", { kind: "malformed", status: 200 }, coolDown()],
  // 400/404/413/422 and other 4xx: back to the caller, never retried.
  ["400", { status: 400 }, toCaller()],
  ["404", { status: 404 }, toCaller()],
  ["413", { status: 413 }, toCaller()],
  ["422", { status: 422 }, toCaller()],
  ["405", { status: 405 }, toCaller()],
  // Anthropic error types with their statuses.
  ["Anthropic overloaded_error 529", { status: 529, type: "overloaded_error" }, coolDown()],
  [
    "Anthropic rate_limit_error 429",
    { status: 429, type: "rate_limit_error", retryAfterMs: 4000 },
    restKey(4000),
  ],
  ["Anthropic authentication_error 401", { status: 401, type: "authentication_error" }, disable()],
  ["Anthropic permission_error 403", { status: 403, type: "permission_error" }, disable()],
  ["Anthropic not_found_error 404", { status: 404, type: "not_found_error" }, toCaller()],
  [
    "Anthropic invalid_request_error 400",
    { status: 400, type: "invalid_request_error" },
    toCaller(),
  ],
  ["Anthropic request_too_large 413", { status: 413, type: "request_too_large" }, toCaller()],
  ["Anthropic api_error 500", { status: 500, type: "api_error" }, coolDown()],
  ["Anthropic timeout_error 504", { status: 504, type: "timeout_error" }, coolDown()],
  // An error event inside a 200 stream has no status: the type decides.
  ["stream event overloaded_error", { type: "overloaded_error" }, coolDown()],
  ["stream event api_error", { type: "api_error" }, coolDown()],
  ["stream event rate_limit_error", { type: "rate_limit_error" }, restKey(DEFAULT_REST_MS)],
  ["stream event authentication_error", { type: "authentication_error" }, disable()],
  ["stream event invalid_request_error", { type: "invalid_request_error" }, toCaller()],
  ["stream event of an unknown type", { type: "something_new" }, coolDown()],
  ["a type named like an Object method", { type: "toString" }, coolDown()],
  ["nothing known at all", {}, coolDown()],
];

function restKey(restMs: number): FailureAction {
  return { action: "rest_key", restMs, retryNext: true };
}
function exhaust(): FailureAction {
  return { action: "exhaust_key", retryNext: true };
}
function coolDown(): FailureAction {
  return { action: "cool_down", retryNext: true };
}
function disable(): FailureAction {
  return { action: "disable_key", retryNext: true };
}
function toCaller(): FailureAction {
  return { action: "return_to_caller", retryNext: false };
}

describe("classifyFailure", () => {
  it.each(rows)("%s before the first byte", (_name, failure, expected) => {
    expect(classifyFailure({ ...failure, afterFirstByte: false })).toEqual(expected);
  });

  it.each(rows)(
    "%s after the first byte: same key action, never the next target",
    (_name, failure, expected) => {
      expect(classifyFailure({ ...failure, afterFirstByte: true })).toEqual({
        ...expected,
        retryNext: false,
      });
    },
  );

  it("a 5xx mid-stream still cools the connection down", () => {
    expect(classifyFailure({ status: 503, afterFirstByte: true })).toEqual({
      action: "cool_down",
      retryNext: false,
    });
    expect(classifyFailure({ kind: "connect", afterFirstByte: true })).toEqual({
      action: "cool_down",
      retryNext: false,
    });
  });

  it("ignores nulls in code and type", () => {
    expect(classifyFailure({ status: 429, code: null, type: null, afterFirstByte: false })).toEqual(
      restKey(DEFAULT_REST_MS),
    );
  });
});

function headers(h: Record<string, string>) {
  return { get: (name: string) => h[name.toLowerCase()] ?? null };
}

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");

  it("reads retry-after-ms first, in milliseconds", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "1500", "retry-after": "9" }), now)).toBe(
      1500,
    );
    expect(parseRetryAfter(headers({ "retry-after-ms": "12.5" }), now)).toBe(12.5);
  });

  it("reads retry-after in seconds", () => {
    expect(parseRetryAfter(headers({ "retry-after": "20" }), now)).toBe(20_000);
    expect(parseRetryAfter(headers({ "retry-after": " 0 " }), now)).toBe(0);
    expect(parseRetryAfter(headers({ "retry-after": "1.5" }), now)).toBe(1500);
  });

  it("reads retry-after as an HTTP-date, relative to now", () => {
    const h = (v: string) => parseRetryAfter(headers({ "retry-after": v }), now);
    expect(h("Sat, 01 Mar 2025 12:00:30 GMT")).toBe(30_000);
    expect(h("Saturday, 01-Mar-25 12:00:30 GMT")).toBe(30_000);
    // asctime carries no zone and means GMT, whatever the machine's time zone.
    expect(h("Sat Mar  1 12:00:30 2025")).toBe(30_000);
    // A date already past means: now.
    expect(h("Sat, 01 Mar 2025 11:00:00 GMT")).toBe(0);
  });

  it("falls back to retry-after when retry-after-ms is garbage", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "soon", "retry-after": "3" }), now)).toBe(
      3000,
    );
  });

  it("is undefined when absent or garbage", () => {
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
    for (const v of [
      "",
      "soon",
      "-5",
      "12abc",
      "1e3",
      "0x10",
      "Infinity",
      "abc 5",
      "Sat, 01 Mar 2025",
    ])
      expect(parseRetryAfter(headers({ "retry-after": v }), now), v).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after-ms": "-1" }), now)).toBeUndefined();
  });
});

describe("backoffMs", () => {
  it("is random() times the capped exponential ceiling", () => {
    expect(backoffMs(0, () => 0.5)).toBe(50);
    expect(backoffMs(1, () => 0.5)).toBe(100);
    expect(backoffMs(3, () => 0.5)).toBe(400);
    expect(backoffMs(10, () => 0.5)).toBe(1000);
    expect(backoffMs(2, () => 0.5, 1000, 3000)).toBe(1500);
  });

  it("stays within [0, min(cap, base·2^attempt)) for every attempt", () => {
    for (let attempt = 0; attempt < 60; attempt++) {
      const ceiling = Math.min(2000, 100 * 2 ** attempt);
      expect(backoffMs(attempt, () => 0)).toBe(0);
      const top = backoffMs(attempt, () => 0.999_999);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThan(ceiling * 0.99);
    }
    expect(backoffMs(2000, () => 0.999_999)).toBeLessThan(2000);
    expect(backoffMs(-1, () => 0.5)).toBe(50);
  });
});
