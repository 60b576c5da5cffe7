import type { EffectiveLimits, PriceDto } from "../contract/limits.js";
import type { AdmitRequest, Rejection } from "./ledgerTypes.js";
import { worstCaseMicros } from "./pricing.js";
import type { WindowView } from "./rateWindows.js";
import type { SpendBook } from "./spendBook.js";

/** The admission checks, in the order the ledger runs them. Pure: no writes. */

/**
 * 403 when the model is outside the member's or the org's access: the allow-list of model ids
 * and the allowed categories. With neither set, every model; with one or both set, a model in
 * either (its id listed, or one of its categories allowed).
 */
export function modelRejection(
  model: string,
  member: EffectiveLimits,
  org: EffectiveLimits,
  categories: readonly string[] = [],
): Rejection | undefined {
  for (const [scope, limits] of [
    ["member", member],
    ["org", org],
  ] as const) {
    const ids = limits.allowed_models;
    const cats = limits.allowed_categories;
    if (ids === null && cats === null) continue;
    if (ids?.includes(model)) continue;
    if (cats?.some((c) => categories.includes(c))) continue;
    return cats === null
      ? { kind: "model_not_allowed", scope }
      : { kind: "model_not_allowed", scope, categories: [...categories], allowedCategories: cats };
  }
  return undefined;
}

/**
 * The most a request may use: its prompt bound plus the largest completion it may produce —
 * the client's max_tokens, lowered by the member's and the org's max_tokens limits, and never
 * beyond the model's context — priced.
 */
export function worstCase(
  req: AdmitRequest,
  member: EffectiveLimits,
  org: EffectiveLimits,
  price: PriceDto,
) {
  const limits = [member.max_tokens, org.max_tokens].filter((n): n is number => n !== null);
  const maxTokensCap = limits.length > 0 ? Math.min(...limits) : undefined;
  const caps = req.maxTokens === undefined ? limits : [req.maxTokens, ...limits];
  const maxCompletion = req.completion ? Math.min(req.contextTokens, ...caps) : 0;
  const promptTokens = Math.min(req.promptTokens, req.contextTokens);
  return {
    maxTokensCap,
    maxCompletion,
    reservedTokens: promptTokens + maxCompletion,
    reservedMicros: worstCaseMicros(price, promptTokens, maxCompletion),
  };
}

/** Requests in flight, requests per minute and tokens per minute: the member's, then the org's. */
export function rateRejection(
  member: EffectiveLimits,
  org: EffectiveLimits,
  windows: { member: WindowView; org: WindowView },
  reservedTokens: number,
  now: number,
): Rejection | undefined {
  for (const [scope, limits, w] of [
    ["member", member, windows.member],
    ["org", org, windows.org],
  ] as const) {
    if (limits.max_concurrent !== null && w.inFlight >= limits.max_concurrent)
      return { kind: "concurrency", scope, limit: limits.max_concurrent, retryAfterMs: 1000 };
    if (limits.rpm !== null && w.requests >= limits.rpm)
      return { kind: "requests", scope, limit: limits.rpm, retryAfterMs: w.oldestLeavesInMs(now) };
    if (limits.tpm !== null && w.tokens + reservedTokens > limits.tpm)
      return {
        kind: "tokens",
        scope,
        limit: limits.tpm,
        retryAfterMs: w.tokensFreeInMs(now, reservedTokens, limits.tpm),
        never: reservedTokens > limits.tpm,
      };
  }
  return undefined;
}

/**
 * Budgets: spent + held + this request's worst case must fit every daily and monthly cap, the
 * member's and the org's; a member-paid request also needs that much available credit. Free
 * requests (local models priced at 0) pass whatever the spend: only rate limits apply to them.
 */
export function budgetRejection(c: {
  memberId: string;
  member: EffectiveLimits;
  org: EffectiveLimits;
  price: PriceDto;
  reservedMicros: number;
  book: SpendBook;
  day: string;
  month: string;
  /** Milliseconds until the current day or month ends in the org's time zone. */
  windowEndMs: (window: "day" | "month") => number;
}): Rejection | undefined {
  if (c.reservedMicros === 0) return undefined;
  for (const [scope, window, capMicros, memberId, key] of [
    ["member", "day", c.member.daily_cap_micros, c.memberId, c.day],
    ["member", "month", c.member.monthly_cap_micros, c.memberId, c.month],
    ["org", "day", c.org.daily_cap_micros, null, c.day],
    ["org", "month", c.org.monthly_cap_micros, null, c.month],
  ] as const) {
    if (capMicros === null) continue;
    const s = c.book.spend(memberId, window, key);
    const spent = s.settled + s.reserved;
    if (spent + c.reservedMicros > capMicros)
      return {
        kind: "budget",
        scope,
        window,
        capMicros,
        spentMicros: spent,
        neededMicros: c.reservedMicros,
        retryAfterMs: c.windowEndMs(window),
      };
  }
  if (c.price.billing_mode === "member") {
    const credits = c.book.credits(c.memberId);
    const available = credits.balance - credits.reserved;
    if (available < c.reservedMicros)
      return { kind: "credits", availableMicros: available, neededMicros: c.reservedMicros };
  }
  return undefined;
}
