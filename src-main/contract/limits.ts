import { z } from "zod";

/** Micro-dollars (1 USD = 1,000,000): every amount of money in the API is an integer of these. */
export const Micros = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const cap = (max: number) => z.number().int().positive().max(max).nullable();

/**
 * Limits for one scope (`org`, `default` for members without their own value, or a member).
 * Every field is optional: absent inherits (member ← default; org and default: no limit), `null`
 * means no limit.
 */
export const LimitsDto = z.strictObject({
  /** Requests admitted in any sliding 60 s. */
  rpm: cap(1_000_000).optional(),
  /** Tokens (prompt + max completion, reconciled to actual at settlement) in any sliding 60 s. */
  tpm: cap(1_000_000_000).optional(),
  /** Requests in flight at once. */
  max_concurrent: cap(100_000).optional(),
  /** Spend per calendar day in the org's time zone, micro-dollars. */
  daily_cap_micros: Micros.nullable().optional(),
  /** Spend per calendar month in the org's time zone, micro-dollars. */
  monthly_cap_micros: Micros.nullable().optional(),
  /** Models this scope may call; null: all. */
  allowed_models: z.array(z.string().min(1).max(256)).max(1000).nullable().optional(),
  /**
   * Categories this scope may call (a model, pool or alias is allowed when one of its categories
   * is listed); null: no restriction by category. With `allowed_models` also set, a model
   * passes by either list.
   */
  allowed_categories: z.array(z.string().min(1).max(32)).max(100).nullable().optional(),
  /**
   * Largest `max_tokens` a request may reserve: larger values are lowered to it, and a request
   * without `max_tokens` gets it (otherwise: the model's context).
   */
  max_tokens: cap(10_000_000).optional(),
  /**
   * Share of a local model's sequences while members compete for them: weight 2 gets twice the
   * turns of weight 1. Null or absent: 1 (an equal share).
   */
  gpu_weight: cap(100).optional(),
  /**
   * Priority band on local models: waiting requests of a higher band are always served first.
   * Null or absent: 0 (normal); 1–10 are above normal.
   */
  gpu_priority: cap(10).optional(),
  /** Sequences of one local model the member's requests may hold at once. */
  max_gpu_sequences: cap(1024).optional(),
  /**
   * Requests the member may have waiting for one local model; beyond it their next request is
   * a 429 `queue_full`. Null or absent: the engine's `maxQueue` (default 64).
   */
  max_queued: cap(100_000).optional(),
});
export type LimitsDto = z.infer<typeof LimitsDto>;

/** Limits with inheritance applied: every field present, null meaning no limit. */
export type EffectiveLimits = { [K in keyof LimitsDto]-?: Exclude<LimitsDto[K], undefined> };

export const NO_LIMITS: EffectiveLimits = {
  rpm: null,
  tpm: null,
  max_concurrent: null,
  daily_cap_micros: null,
  monthly_cap_micros: null,
  allowed_models: null,
  allowed_categories: null,
  max_tokens: null,
  gpu_weight: null,
  gpu_priority: null,
  max_gpu_sequences: null,
  max_queued: null,
};

export const BillingMode = z.enum(["org", "member"]);
export type BillingMode = z.infer<typeof BillingMode>;

/** Price of a model per million tokens, in micro-dollars ($2.50/M = 2_500_000), and who pays. */
export const PriceDto = z.strictObject({
  model: z.string().min(1).max(256),
  input_micros_per_mtok: Micros.max(1_000_000_000),
  output_micros_per_mtok: Micros.max(1_000_000_000),
  /**
   * Prompt tokens read from a cache (an upstream's cache hit, a local model's reused prefix).
   * Null or absent: the input price.
   */
  cache_read_micros_per_mtok: Micros.max(1_000_000_000).nullable().optional(),
  /**
   * Prompt tokens written to an upstream's cache (Anthropic's cache_creation_input_tokens).
   * Null or absent: the input price.
   */
  cache_write_micros_per_mtok: Micros.max(1_000_000_000).nullable().optional(),
  /** `org`: the lab's budget pays; `member`: the caller's credits pay (worst case needed up front). */
  billing_mode: BillingMode,
});
export type PriceDto = z.infer<typeof PriceDto>;

export const FREE_PRICE = (model: string): PriceDto => ({
  model,
  input_micros_per_mtok: 0,
  output_micros_per_mtok: 0,
  billing_mode: "org",
});
