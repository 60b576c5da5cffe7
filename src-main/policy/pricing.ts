import type { PriceDto } from "../contract/limits.js";

const MILLION = 1_000_000n;

/**
 * Cost in micro-dollars of `promptTokens` in and `completionTokens` out at `price` (per million
 * tokens), rounded up to a whole micro-dollar so a request is never free by rounding. Integer
 * arithmetic in BigInt: token counts times prices can pass 2^53.
 */
export function costMicros(
  price: PriceDto,
  promptTokens: number,
  completionTokens: number,
): number {
  const numerator =
    BigInt(promptTokens) * BigInt(price.input_micros_per_mtok) +
    BigInt(completionTokens) * BigInt(price.output_micros_per_mtok);
  return Number((numerator + MILLION - 1n) / MILLION);
}
