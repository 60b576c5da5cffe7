import type { EffectiveLimits } from "../contract/limits.js";
import { rateRejection } from "./admissionChecks.js";
import type { Rejection } from "./ledgerTypes.js";
import { rateLimitHeaders } from "./rateLimitHeaders.js";
import type { RateWindows } from "./rateWindows.js";

export type FreeRequestResult =
  | { ok: true; headers: Record<string, string>; done: () => void }
  | { ok: false; rejection: Rejection; headers: Record<string, string> };

/**
 * A request that costs nothing and writes no usage row (`/v1/messages/count_tokens`), counted
 * against the member's and the org's request limits: refused like any request while requests
 * per minute or requests in flight are at their limit; otherwise it is one request in the
 * minute's window (keys `memberKey` and `orgKey`), and in flight until `done`. Tokens per minute
 * and budgets do not apply: nothing is generated or charged. In memory only: after a restart it
 * is not counted again, unlike admitted requests (the windows are rebuilt from usage rows).
 */
export function meterFreeRequest(
  rate: RateWindows,
  keys: { member: string; org: string },
  limits: { member: EffectiveLimits; org: EffectiveLimits },
  now: () => number,
): FreeRequestResult {
  const at = now();
  const windows = { member: rate.window(keys.member, at), org: rate.window(keys.org, at) };
  const requestsOnly = (l: EffectiveLimits) => ({ ...l, tpm: null });
  const limited = rateRejection(
    requestsOnly(limits.member),
    requestsOnly(limits.org),
    windows,
    0,
    at,
  );
  if (limited)
    return {
      ok: false,
      rejection: limited,
      headers: rateLimitHeaders(windows.member, limits.member, at),
    };
  const ticket = rate.admit([keys.member, keys.org], at, 0);
  const headers = rateLimitHeaders(rate.window(keys.member, at), limits.member, at);
  return { ok: true, headers, done: () => rate.finish(ticket, 0, now()) };
}
