import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPriceCatalog, poolDefaultPrice } from "../../src-main/app/priceCatalog.js";

describe("the price catalog", () => {
  const catalog = loadPriceCatalog();

  it("matches exact ids and the longest prefix", () => {
    expect(catalog.lookup("gpt-4o-mini-2024-07-18")).toEqual({
      input: 150_000,
      output: 600_000,
      cache_read: 75_000,
    });
    expect(catalog.lookup("gpt-4o-2024-08-06")).toEqual({
      input: 2_500_000,
      output: 10_000_000,
      cache_read: 1_250_000,
    });
    // Anthropic: cache reads 0.1x input, cache writes 1.25x.
    expect(catalog.lookup("claude-sonnet-4-5")).toEqual({
      input: 3_000_000,
      output: 15_000_000,
      cache_read: 300_000,
      cache_write: 3_750_000,
    });
    expect(catalog.lookup("llama-3.1-8b-instant")).toEqual({ input: 50_000, output: 80_000 });
    expect(catalog.lookup("llama-3.1-8b-instant-v2")).toBeUndefined(); // exact entries only
    expect(catalog.lookup("my-own-model")).toBeUndefined();
  });

  it("prices a pool at its most expensive target, each rate apart, org-paid", () => {
    expect(
      poolDefaultPrice("chat", ["gpt-4o-mini", "claude-sonnet-4-5", "unknown"], catalog),
    ).toEqual({
      model: "chat",
      input_micros_per_mtok: 3_000_000,
      output_micros_per_mtok: 15_000_000,
      cache_read_micros_per_mtok: 300_000,
      cache_write_micros_per_mtok: 3_750_000,
      billing_mode: "org",
    });
    // A target without cache rates counts at its input price for both.
    expect(poolDefaultPrice("groq", ["llama-3.3-70b-versatile", "gpt-4o-mini"], catalog)).toEqual({
      model: "groq",
      input_micros_per_mtok: 590_000,
      output_micros_per_mtok: 790_000,
      cache_read_micros_per_mtok: 590_000,
      cache_write_micros_per_mtok: 590_000,
      billing_mode: "org",
    });
    expect(poolDefaultPrice("mine", ["unknown"], catalog)).toBeUndefined();
  });

  it("is empty, not fatal, when the file is missing or malformed", () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "prices.json");
    fs.writeFileSync(bad, "{ not json");
    expect(loadPriceCatalog(bad).lookup("gpt-4o")).toBeUndefined();
    expect(loadPriceCatalog(bad + ".missing").lookup("gpt-4o")).toBeUndefined();
  });
});
