import type { EffectiveLimits } from "../contract/limits.js";
import type { WindowView } from "./rateWindows.js";

/** A duration as OpenAI writes its reset headers: `20ms`, `1.5s`, `6m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const s = Math.ceil(ms / 100) / 10;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)}s`;
}

/**
 * The `x-ratelimit-*` headers for a member's window: OpenAI's names, with "reset" meaning the
 * time until the window is back to its full allowance. Only limits that are set are described.
 */
export function rateLimitHeaders(
  w: WindowView,
  limits: EffectiveLimits,
  now: number,
): Record<string, string> {
  const h: Record<string, string> = {};
  const reset = formatReset(w.newestLeavesInMs(now));
  if (limits.rpm !== null) {
    h["x-ratelimit-limit-requests"] = String(limits.rpm);
    h["x-ratelimit-remaining-requests"] = String(Math.max(0, limits.rpm - w.requests));
    h["x-ratelimit-reset-requests"] = reset;
  }
  if (limits.tpm !== null) {
    h["x-ratelimit-limit-tokens"] = String(limits.tpm);
    h["x-ratelimit-remaining-tokens"] = String(Math.max(0, limits.tpm - w.tokens));
    h["x-ratelimit-reset-tokens"] = reset;
  }
  return h;
}
