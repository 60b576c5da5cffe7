import type { PriceDto } from "../contract/limits.js";

const MILLION = 1_000_000n;

/** Prompt tokens read from and written to a cache, both part of the prompt count. */
export interface CacheTokens {
  read: number;
  write: number;
}

/** The cache-read rate: the price's own, or (null, absent) the input rate. */
export const cacheReadRate = (p: PriceDto): number =>
  p.cache_read_micros_per_mtok ?? p.input_micros_per_mtok;

/** The cache-write rate: the price's own, or (null, absent) the input rate. */
export const cacheWriteRate = (p: PriceDto): number =>
  p.cache_write_micros_per_mtok ?? p.input_micros_per_mtok;

/**
 * Cost in micro-dollars of `promptTokens` in and `completionTokens` out at `price` (per million
 * tokens), rounded up to a whole micro-dollar so a request is never free by rounding. Of the
 * prompt, `cache.read` tokens are charged at the cache-read rate and `cache.write` at the
 * cache-write rate (each the input rate when the price sets none), the rest at the input rate;
 * counts beyond the prompt are clamped to it (reads first). Integer arithmetic in BigInt: token
 * counts times prices can pass 2^53.
 */
export function costMicros(
  price: PriceDto,
  promptTokens: number,
  completionTokens: number,
  cache: CacheTokens = { read: 0, write: 0 },
): number {
  const read = Math.min(Math.max(0, cache.read), promptTokens);
  const write = Math.min(Math.max(0, cache.write), promptTokens - read);
  const numerator =
    BigInt(promptTokens - read - write) * BigInt(price.input_micros_per_mtok) +
    BigInt(read) * BigInt(cacheReadRate(price)) +
    BigInt(write) * BigInt(cacheWriteRate(price)) +
    BigInt(completionTokens) * BigInt(price.output_micros_per_mtok);
  return Number((numerator + MILLION - 1n) / MILLION);
}

/**
 * The most `promptTokens` in and `completionTokens` out can cost at `price`: every prompt token
 * at the dearest of the input, cache-read and cache-write rates (a cache write may cost more than
 * input, as Anthropic's does), so a reservation is an upper bound on any settlement.
 */
export function worstCaseMicros(
  price: PriceDto,
  promptTokens: number,
  completionTokens: number,
): number {
  const input = Math.max(price.input_micros_per_mtok, cacheReadRate(price), cacheWriteRate(price));
  return costMicros({ ...price, input_micros_per_mtok: input }, promptTokens, completionTokens);
}
