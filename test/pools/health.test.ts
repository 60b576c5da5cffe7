import { describe, expect, it } from "vitest";
import { TargetHealth } from "../../src-main/pools/health.js";

/** One request that fails at `now`. */
function failOnce(h: TargetHealth, now: number) {
  h.begin(now);
  h.fail(now);
}

/** Opens a default circuit (3 failures, 30 s) at t; returns when it turns half-open. */
function openAt(h: TargetHealth, t: number): number {
  for (let i = 0; i < 3; i++) failOnce(h, t);
  return t + 30_000;
}

describe("circuit breaker", () => {
  it("opens after the threshold of consecutive failures, not before", () => {
    const h = new TargetHealth();
    failOnce(h, 0);
    failOnce(h, 1);
    expect(h.state(1)).toBe("closed");
    expect(h.available(1)).toBe(true);
    failOnce(h, 2);
    expect(h.state(2)).toBe("open");
    expect(h.available(2)).toBe(false);
    expect(h.snapshot(2)).toMatchObject({ consecutiveFailures: 3, openUntil: 30_002 });
  });

  it("a success resets the count of consecutive failures", () => {
    const h = new TargetHealth();
    failOnce(h, 0);
    failOnce(h, 1);
    h.begin(2);
    h.succeed(2, 100);
    failOnce(h, 3);
    failOnce(h, 4);
    expect(h.state(4)).toBe("closed");
    failOnce(h, 5);
    expect(h.state(5)).toBe("open");
  });

  it("takes no traffic while open, up to exactly the end of the cooldown", () => {
    const h = new TargetHealth();
    const end = openAt(h, 1000);
    for (const t of [1000, 10_000, end - 1]) {
      expect(h.available(t), `t=${t}`).toBe(false);
      expect(h.state(t)).toBe("open");
    }
    expect(h.state(end)).toBe("half_open");
    expect(h.available(end)).toBe(true);
    expect(h.snapshot(end).openUntil).toBeNull();
  });

  it("half-open lets exactly one probe through; its success closes the circuit", () => {
    const h = new TargetHealth();
    const end = openAt(h, 0);
    h.begin(end);
    expect(h.available(end)).toBe(false);
    expect(h.available(end + 5000)).toBe(false);
    h.succeed(end + 5000, 200);
    expect(h.state(end + 5000)).toBe("closed");
    expect(h.available(end + 5000)).toBe(true);
    expect(h.snapshot(end + 5000)).toMatchObject({ consecutiveFailures: 0, inFlight: 0 });
  });

  it("a failed probe reopens the circuit for a full cooldown", () => {
    const h = new TargetHealth();
    const end = openAt(h, 0);
    h.begin(end);
    h.fail(end + 700);
    const reopenedUntil = end + 700 + 30_000;
    expect(h.state(end + 700)).toBe("open");
    expect(h.available(reopenedUntil - 1)).toBe(false);
    expect(h.available(reopenedUntil)).toBe(true);
    expect(h.snapshot(end + 700).openUntil).toBe(reopenedUntil);
  });

  it("a probe that ends without a verdict frees the slot for another probe", () => {
    const h = new TargetHealth();
    const end = openAt(h, 0);
    h.begin(end);
    h.end(end + 10);
    expect(h.state(end + 10)).toBe("half_open");
    expect(h.available(end + 10)).toBe(true);
  });

  it("failures while open neither extend the cooldown nor close it; an old success does not close it", () => {
    const h = new TargetHealth();
    h.begin(0); // a long stream that started while closed
    h.begin(0);
    const end = openAt(h, 0);
    h.fail(10_000);
    expect(h.snapshot(10_000)).toMatchObject({ openUntil: end, consecutiveFailures: 4 });
    h.succeed(20_000, 5000);
    expect(h.state(20_000)).toBe("open");
    expect(h.latencyMs).toBe(5000);
    expect(h.available(end)).toBe(true);
  });

  it("honours custom options and rejects nonsense ones", () => {
    const h = new TargetHealth({ failureThreshold: 1, cooldownMs: 500 });
    failOnce(h, 0);
    expect(h.available(499)).toBe(false);
    expect(h.available(500)).toBe(true);
    expect(() => new TargetHealth({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new TargetHealth({ cooldownMs: -1 })).toThrow(RangeError);
    expect(() => new TargetHealth({ latencyAlpha: 0 })).toThrow(RangeError);
    expect(() => new TargetHealth({ latencyAlpha: 1.5 })).toThrow(RangeError);
  });
});

describe("in flight", () => {
  it("counts begin against succeed, fail and end, never below zero", () => {
    const h = new TargetHealth();
    h.begin(0);
    h.begin(0);
    h.begin(0);
    expect(h.inFlight).toBe(3);
    h.succeed(1, 10);
    h.fail(1);
    h.end(1);
    expect(h.inFlight).toBe(0);
    h.end(2);
    expect(h.inFlight).toBe(0);
  });
});

describe("rest, disable, exhaust, enable", () => {
  it("rest: unavailable until `until`, exactly", () => {
    const h = new TargetHealth();
    h.rest(5000);
    expect(h.available(4999)).toBe(false);
    expect(h.snapshot(4999).restingUntil).toBe(5000);
    expect(h.available(5000)).toBe(true);
    expect(h.snapshot(5000).restingUntil).toBeNull();
    // Resting is not a circuit failure.
    expect(h.state(0)).toBe("closed");
  });

  it("rest: a shorter rest never cuts a longer one short", () => {
    const h = new TargetHealth();
    h.rest(10_000);
    h.rest(2000);
    expect(h.available(5000)).toBe(false);
    h.rest(20_000);
    expect(h.available(15_000)).toBe(false);
    expect(h.available(20_000)).toBe(true);
  });

  it("disable: unavailable until enabled, whatever the time", () => {
    const h = new TargetHealth();
    h.disable("401 authentication_error");
    expect(h.available(1e12)).toBe(false);
    expect(h.snapshot(0)).toMatchObject({
      disabledReason: "401 authentication_error",
      available: false,
      state: "closed",
    });
    h.enable();
    expect(h.available(0)).toBe(true);
    expect(h.snapshot(0).disabledReason).toBeNull();
  });

  it("exhaust: until a given time, or until enabled", () => {
    const timed = new TargetHealth();
    timed.exhaust(60_000);
    expect(timed.available(59_999)).toBe(false);
    expect(timed.snapshot(59_999)).toMatchObject({ exhausted: true, exhaustedUntil: 60_000 });
    expect(timed.available(60_000)).toBe(true);
    expect(timed.snapshot(60_000)).toMatchObject({ exhausted: false, exhaustedUntil: null });

    const open = new TargetHealth();
    open.exhaust();
    expect(open.available(1e12)).toBe(false);
    expect(open.snapshot(0)).toMatchObject({ exhausted: true, exhaustedUntil: null });
    open.enable();
    expect(open.available(0)).toBe(true);
    expect(open.snapshot(0).exhausted).toBe(false);
  });

  it("enable clears disabled and exhausted but not a rest or an open circuit", () => {
    const h = new TargetHealth();
    h.disable("403");
    h.exhaust();
    h.rest(1000);
    h.enable();
    expect(h.available(999)).toBe(false);
    expect(h.available(1000)).toBe(true);

    const c = new TargetHealth();
    const end = openAt(c, 0);
    c.enable();
    expect(c.available(end - 1)).toBe(false);
  });

  it("snapshot reports everything at once", () => {
    const h = new TargetHealth();
    h.begin(0);
    h.begin(0);
    h.succeed(10, 120);
    expect(h.snapshot(10)).toEqual({
      state: "closed",
      available: true,
      inFlight: 1,
      latencyMs: 120,
      restingUntil: null,
      disabledReason: null,
      exhausted: false,
      exhaustedUntil: null,
      consecutiveFailures: 0,
      openUntil: null,
    });
  });
});

describe("latency EWMA", () => {
  it("is null before the first success, then the first sample, then the weighted average", () => {
    const h = new TargetHealth();
    expect(h.latencyMs).toBeNull();
    h.begin(0);
    h.fail(0);
    expect(h.latencyMs).toBeNull();
    h.begin(0);
    h.succeed(0, 100);
    expect(h.latencyMs).toBe(100);
    h.begin(0);
    h.succeed(0, 200);
    expect(h.latencyMs).toBeCloseTo(0.2 * 200 + 0.8 * 100, 10); // 120
    h.begin(0);
    h.succeed(0, 120);
    expect(h.latencyMs).toBeCloseTo(120, 10);
  });

  it("uses the configured weight and ignores impossible samples", () => {
    const h = new TargetHealth({ latencyAlpha: 0.5 });
    h.succeed(0, 100);
    h.succeed(0, 300);
    expect(h.latencyMs).toBe(200);
    h.succeed(0, Number.NaN);
    h.succeed(0, -5);
    expect(h.latencyMs).toBe(200);
  });

  it("converges towards a new steady latency", () => {
    const h = new TargetHealth();
    h.succeed(0, 1000);
    for (let i = 0; i < 50; i++) h.succeed(0, 100);
    expect(h.latencyMs).toBeGreaterThan(100);
    expect(h.latencyMs).toBeLessThan(101);
  });
});
