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
    }),
  ),
});

/** Known list prices of upstream models, for pools without a price of their own. */
export interface PriceCatalog {
  /** The catalog price of an upstream model id (exact, or the longest `prefix*` match). */
  lookup(upstreamModel: string): { input: number; output: number } | undefined;
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
      return best && { input: best.input, output: best.output };
    },
  };
}

/**
 * A pool's default price: the most expensive catalog price among its targets' upstream models
 * (a reservation must cover whichever target answers), org-paid. Undefined when none is known.
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
    billing_mode: "org",
  };
}
