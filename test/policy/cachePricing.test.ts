import { describe, expect, it } from "vitest";
import type { PriceDto } from "../../src-main/contract/limits.js";
import { costMicros, worstCaseMicros } from "../../src-main/policy/pricing.js";

/** Anthropic's Sonnet list price: $3 in, $15 out, $0.30 cache reads, $3.75 cache writes per M. */
const SONNET: PriceDto = {
  model: "claude",
  input_micros_per_mtok: 3_000_000,
  output_micros_per_mtok: 15_000_000,
  cache_read_micros_per_mtok: 300_000,
  cache_write_micros_per_mtok: 3_750_000,
  billing_mode: "org",
};

describe("cache-aware prices", () => {
  it("charge cache reads and writes at their rates, the rest of the prompt at input", () => {
    // 100 × 3 + 1000 × 0.3 + 200 × 3.75 + 20 × 15 = 1,650 µ$.
    expect(costMicros(SONNET, 1300, 20, { read: 1000, write: 200 })).toBe(1650);
    expect(costMicros(SONNET, 1300, 20)).toBe(4200);
  });

  it("use the input rate where a price sets no cache rate (null or absent)", () => {
    const plain: PriceDto = { ...SONNET, cache_read_micros_per_mtok: null };
    delete plain.cache_write_micros_per_mtok;
    expect(costMicros(plain, 1300, 20, { read: 1000, write: 200 })).toBe(4200);
  });

  it("clamp cache counts to the prompt, reads first", () => {
    // 10 prompt tokens, all reads: 10 × 0.3 = 3 µ$; the writes beyond the prompt count nothing.
    expect(costMicros(SONNET, 10, 0, { read: 50, write: 50 })).toBe(3);
  });

  it("reserve every prompt token at the dearest prompt rate (writes above input)", () => {
    // 1000 × 3.75 + 100 × 15 = 5,250 µ$: at least any settlement of the same counts.
    expect(worstCaseMicros(SONNET, 1000, 100)).toBe(5250);
    expect(worstCaseMicros(SONNET, 1000, 100)).toBeGreaterThanOrEqual(
      costMicros(SONNET, 1000, 100, { read: 0, write: 1000 }),
    );
    const cheap: PriceDto = { ...SONNET, cache_write_micros_per_mtok: null };
    expect(worstCaseMicros(cheap, 1000, 100)).toBe(4500);
  });
});
