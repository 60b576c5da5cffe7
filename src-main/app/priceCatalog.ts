import fs from "node:fs";
import { z } from "zod";
import type { PriceDto } from "../contract/limits.js";
import { resourceFile } from "../platform/resources.js";

const Catalog = z.object({
  prices: z.array(
    z.object({
      model: z.string().min(1),
      input: z.number().int().nonnegative(),
      output: z.number().int().nonnegative(),
      /** Cached input (cache reads); absent: the input price. */
      cache_read: z.number().int().nonnegative().optional(),
      /** Cache writes; absent: the input price. */
      cache_write: z.number().int().nonnegative().optional(),
    }),
  ),
});

/** A catalog price per million tokens, micro-dollars; absent cache rates are the input price. */
export interface CatalogPrice {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

/** Known list prices of upstream models, for pools without a price of their own. */
export interface PriceCatalog {
  /** The catalog price of an upstream model id (exact, or the longest `prefix*` match). */
  lookup(upstreamModel: string): CatalogPrice | undefined;
}

/** Loads the catalog; an unreadable one is empty (pools then default to free until priced). */
export function loadPriceCatalog(file = resourceFile("catalog/prices.json")): PriceCatalog {
  let entries: z.infer<typeof Catalog>["prices"] = [];
  try {
    entries = Catalog.parse(JSON.parse(fs.readFileSync(file, "utf8"))).prices;
  } catch {
    entries = [];
  }
  return {
    lookup(model) {
      let best: (typeof entries)[number] | undefined;
      let bestLen = -1;
      for (const e of entries) {
        const prefix = e.model.endsWith("*") ? e.model.slice(0, -1) : undefined;
        const hit = prefix === undefined ? e.model === model : model.startsWith(prefix);
        const len = prefix === undefined ? Infinity : prefix.length;
        if (hit && len > bestLen) [best, bestLen] = [e, len];
      }
      if (!best) return undefined;
      return {
        input: best.input,
        output: best.output,
        ...(best.cache_read !== undefined ? { cache_read: best.cache_read } : {}),
        ...(best.cache_write !== undefined ? { cache_write: best.cache_write } : {}),
      };
    },
  };
}

/**
 * A pool's default price: the most expensive catalog price among its targets' upstream models
 * (a reservation must cover whichever target answers), each rate apart (cache rates default to
 * the target's input price), org-paid. Undefined when none is known.
 */
export function poolDefaultPrice(
  pool: string,
  upstreamModels: readonly string[],
  catalog: PriceCatalog,
): PriceDto | undefined {
  const known = upstreamModels.map((m) => catalog.lookup(m)).filter((p) => p !== undefined);
  if (known.length === 0) return undefined;
  return {
    model: pool,
    input_micros_per_mtok: Math.max(...known.map((p) => p.input)),
    output_micros_per_mtok: Math.max(...known.map((p) => p.output)),
    cache_read_micros_per_mtok: Math.max(...known.map((p) => p.cache_read ?? p.input)),
    cache_write_micros_per_mtok: Math.max(...known.map((p) => p.cache_write ?? p.input)),
    billing_mode: "org",
  };
}
