import { describe, expect, it } from "vitest";
import { order, type Candidate } from "../../src-main/pools/strategies.js";
import { seededRandom as seeded } from "../helpers/random.js";

function cand(id: string, over: Partial<Candidate> = {}): Candidate {
  return { id, priority: 0, weight: 1, inFlight: 0, latencyMs: null, ...over };
}

const ids = (cs: Candidate[]) => cs.map((c) => c.id);
const noRandom = () => {
  throw new Error("this strategy must not draw random numbers");
};

describe("priority", () => {
  it("orders by priority, ties in input order, every time", () => {
    const cs = [
      cand("b2", { priority: 2 }),
      cand("a1", { priority: 1 }),
      cand("c2", { priority: 2 }),
      cand("d0", { priority: 0 }),
      cand("e1", { priority: 1 }),
    ];
    const state = { cursor: 0 };
    for (let i = 0; i < 5; i++)
      expect(ids(order("priority", cs, state, noRandom))).toEqual(["d0", "a1", "e1", "b2", "c2"]);
    expect(state.cursor).toBe(0);
    // The input is not modified.
    expect(ids(cs)).toEqual(["b2", "a1", "c2", "d0", "e1"]);
  });
});

describe("round_robin", () => {
  it("rotates by the cursor, which advances once per call", () => {
    const cs = [cand("a"), cand("b"), cand("c")];
    const state = { cursor: 0 };
    expect(ids(order("round_robin", cs, state, noRandom))).toEqual(["a", "b", "c"]);
    expect(ids(order("round_robin", cs, state, noRandom))).toEqual(["b", "c", "a"]);
    expect(ids(order("round_robin", cs, state, noRandom))).toEqual(["c", "a", "b"]);
    expect(ids(order("round_robin", cs, state, noRandom))).toEqual(["a", "b", "c"]);
  });

  it("spreads first picks evenly", () => {
    const cs = [cand("a", { priority: 5 }), cand("b"), cand("c"), cand("d")];
    const state = { cursor: 0 };
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const first = order("round_robin", cs, state, noRandom)[0]!.id;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 2500, b: 2500, c: 2500, d: 2500 });
  });

  it("keeps going when the set of available targets shrinks, and handles none", () => {
    const state = { cursor: 2 };
    expect(ids(order("round_robin", [cand("a"), cand("b")], state, noRandom))).toEqual(["a", "b"]);
    expect(ids(order("round_robin", [cand("a"), cand("b")], state, noRandom))).toEqual(["b", "a"]);
    expect(order("round_robin", [], state, noRandom)).toEqual([]);
  });
});

describe("weighted", () => {
  it("first picks land within ±5% of the weights (1:2:7) over 10,000 picks", () => {
    const cs = [cand("w1", { weight: 1 }), cand("w2", { weight: 2 }), cand("w7", { weight: 7 })];
    const random = seeded(42);
    const state = { cursor: 0 };
    const counts: Record<string, number> = { w1: 0, w2: 0, w7: 0 };
    const picks = 10_000;
    for (let i = 0; i < picks; i++) {
      const o = order("weighted", cs, state, random);
      if (new Set(ids(o)).size !== 3) throw new Error(`not a permutation: ${ids(o).join()}`);
      counts[o[0]!.id]!++;
    }
    for (const [id, weight] of [
      ["w1", 1],
      ["w2", 2],
      ["w7", 7],
    ] as const) {
      const expected = (picks * weight) / 10;
      expect(Math.abs(counts[id]! - expected) / expected, id).toBeLessThanOrEqual(0.05);
    }
  });

  it("is exactly proportional over evenly spread random numbers (no seed luck)", () => {
    const cs = [cand("w1", { weight: 1 }), cand("w2", { weight: 2 }), cand("w7", { weight: 7 })];
    const counts: Record<string, number> = { w1: 0, w2: 0, w7: 0 };
    for (let i = 0; i < 10_000; i++) {
      // The first draw decides the first pick; the later draws only order the rest.
      const draws = [(i + 0.5) / 10_000, 0.5];
      counts[order("weighted", cs, { cursor: 0 }, () => draws.shift() ?? 0.5)[0]!.id]!++;
    }
    expect(counts).toEqual({ w1: 1000, w2: 2000, w7: 7000 });
  });

  it("draws the failover order without replacement, still by weight", () => {
    // After w7 is picked first, w2 should come second twice as often as w1.
    const cs = [cand("w1", { weight: 1 }), cand("w2", { weight: 2 }), cand("w7", { weight: 7 })];
    const random = seeded(7);
    let w2Second = 0;
    let w7First = 0;
    for (let i = 0; i < 10_000; i++) {
      const o = ids(order("weighted", cs, { cursor: 0 }, random));
      if (o[0] !== "w7") continue;
      w7First++;
      if (o[1] === "w2") w2Second++;
    }
    expect(w2Second / w7First).toBeGreaterThan(0.64);
    expect(w2Second / w7First).toBeLessThan(0.69);
  });

  it("maps the random number onto cumulative weights", () => {
    const cs = [cand("a", { weight: 1 }), cand("b", { weight: 3 })];
    expect(ids(order("weighted", cs, { cursor: 0 }, () => 0))).toEqual(["a", "b"]);
    expect(ids(order("weighted", cs, { cursor: 0 }, () => 0.24))).toEqual(["a", "b"]);
    expect(ids(order("weighted", cs, { cursor: 0 }, () => 0.25))).toEqual(["b", "a"]);
    expect(ids(order("weighted", cs, { cursor: 0 }, () => 0.999_999_999))).toEqual(["b", "a"]);
  });

  it("never draws a target without a positive weight, but keeps it last for failover", () => {
    const cs = [
      cand("zero", { weight: 0, priority: 1 }),
      cand("a", { weight: 1 }),
      cand("nan", { weight: Number.NaN, priority: 0 }),
    ];
    const random = seeded(1);
    for (let i = 0; i < 100; i++)
      expect(ids(order("weighted", cs, { cursor: 0 }, random))).toEqual(["a", "nan", "zero"]);
    expect(order("weighted", [], { cursor: 0 }, random)).toEqual([]);
  });
});

describe("least_in_flight", () => {
  it("fewest in flight first, ties by priority then input order", () => {
    const cs = [
      cand("busy", { inFlight: 5, priority: 0 }),
      cand("idle-p2", { inFlight: 0, priority: 2 }),
      cand("one", { inFlight: 1, priority: 0 }),
      cand("idle-p1", { inFlight: 0, priority: 1 }),
      cand("idle-p1b", { inFlight: 0, priority: 1 }),
    ];
    expect(ids(order("least_in_flight", cs, { cursor: 0 }, noRandom))).toEqual([
      "idle-p1",
      "idle-p1b",
      "idle-p2",
      "one",
      "busy",
    ]);
  });
});

describe("lowest_latency", () => {
  it("unmeasured first, then lowest EWMA, ties by priority then input order", () => {
    const cs = [
      cand("slow", { latencyMs: 900 }),
      cand("fast-p1", { latencyMs: 100, priority: 1 }),
      cand("new-p1", { latencyMs: null, priority: 1 }),
      cand("fast-p0", { latencyMs: 100, priority: 0 }),
      cand("mid", { latencyMs: 250 }),
      cand("new-p0", { latencyMs: null, priority: 0 }),
    ];
    expect(ids(order("lowest_latency", cs, { cursor: 0 }, noRandom))).toEqual([
      "new-p0",
      "new-p1",
      "fast-p0",
      "fast-p1",
      "mid",
      "slow",
    ]);
  });
});
