/**
 * Failover by error class (research T14): what an upstream failure means for the key that
 * served it, and whether the request may move on to the next target. Decided from the status,
 * the error's code/type and the transport outcome only — never from a message substring, which
 * providers reword at will. Pure: time and randomness come from the caller.
 */

/** One failed attempt, as the adapter saw it. */
export interface UpstreamFailure {
  /** HTTP status, if the upstream answered. Absent for transport failures and for error events
   * inside a 200 stream (Anthropic's `event: error`), where `type` decides instead. */
  status?: number;
  /** error.code from the body (OpenAI, e.g. "insufficient_quota"). For Anthropic pass
   * error.details.error_code: its spend cap is a 429 rate_limit_error whose only difference from
   * an ordinary rate limit is error_code "enforced_spend_limit_reached". */
  code?: string | null;
  /** error.type (OpenAI, e.g. "insufficient_quota"; Anthropic, e.g. "overloaded_error"). */
  type?: string | null;
  /** From retry-after-ms or retry-after, already parsed (see parseRetryAfter). */
  retryAfterMs?: number;
  /** Transport-level failures; "http" (or absent) means the upstream answered with an error. */
  kind?: "http" | "connect" | "timeout" | "malformed";
  /** The client already received part of the answer. */
  afterFirstByte: boolean;
}

/**
 * What to do with the key, and whether to try the next target.
 *
 * `retryNext` is true for every key action while nothing has reached the client yet, and false
 * once the first byte has (`afterFirstByte`): the key action still applies — a 5xx mid-stream
 * still cools the connection down, a 401 mid-stream still disables the key — but the stream is
 * never switched silently to another upstream; the client gets an SSE error frame instead.
 * `return_to_caller` never retries.
 *
 * How the pool applies each to TargetHealth (health.ts):
 *   disable_key      → end(now); disable(reason); alert the admin
 *   rest_key         → end(now); rest(now + restMs)
 *   exhaust_key      → end(now); exhaust()
 *   cool_down        → fail(now); wait backoffMs(attempt, random) before the next target
 *   return_to_caller → end(now)   (the request was wrong, not the key)
 */
export type FailureAction =
  /** 401/403: the key is bad; never retried on that key; the admin is alerted. */
  | { action: "disable_key"; retryNext: boolean }
  /** 429 rate limit: the key rests for retry-after (DEFAULT_REST_MS when absent). */
  | { action: "rest_key"; restMs: number; retryNext: boolean }
  /** Quota or spend cap reached (insufficient_quota, enforced_spend_limit_reached, 402,
   * Anthropic billing_error): the key is exhausted until reset or re-enabled. */
  | { action: "exhaust_key"; retryNext: boolean }
  /** 408/409/5xx/529, connect errors, timeouts, malformed answers: a circuit-breaker failure;
   * the next target after a jittered backoff. */
  | { action: "cool_down"; retryNext: boolean }
  /** Other 4xx (400/404/413/422…): the request is wrong; never retried anywhere. */
  | { action: "return_to_caller"; retryNext: false };

/** 30 s: how long a rate-limited key rests when the 429 carries no retry-after. */
export const DEFAULT_REST_MS = 30_000;

/** Codes (OpenAI error.code, Anthropic error.details.error_code) or types that mean money or
 * quota ran out: waiting a minute will not help, so the key is exhausted rather than rested. */
const QUOTA_MARKERS = new Set([
  "insufficient_quota",
  "billing_hard_limit_reached",
  "enforced_spend_limit_reached",
  "billing_error",
]);

/** Anthropic (and OpenAI stream) error types, for failures that carry no HTTP status: an error
 * event inside a stream that started with 200. With a status, the status decides. */
const ACTION_BY_TYPE = new Map<string, FailureAction["action"]>([
  ["authentication_error", "disable_key"],
  ["permission_error", "disable_key"],
  ["rate_limit_error", "rest_key"],
  ["billing_error", "exhaust_key"],
  ["overloaded_error", "cool_down"],
  ["api_error", "cool_down"],
  ["timeout_error", "cool_down"],
  ["server_error", "cool_down"],
  ["invalid_request_error", "return_to_caller"],
  ["not_found_error", "return_to_caller"],
  ["request_too_large", "return_to_caller"],
]);

function isQuota(f: UpstreamFailure): boolean {
  return (
    (f.code != null && QUOTA_MARKERS.has(f.code)) || (f.type != null && QUOTA_MARKERS.has(f.type))
  );
}

/** The key action alone, as if before the first byte. */
function keyAction(f: UpstreamFailure): FailureAction["action"] {
  if (f.kind === "connect" || f.kind === "timeout" || f.kind === "malformed") return "cool_down";
  const s = f.status;
  // A 5xx is the upstream's fault whatever its body says; below that, quota markers win so a
  // spend-cap 429 (same status and type as a rate limit) is never retried after a short rest.
  if (s !== undefined && s >= 500) return "cool_down";
  if (isQuota(f)) return "exhaust_key";
  if (s === undefined) return (f.type != null && ACTION_BY_TYPE.get(f.type)) || "cool_down";
  if (s === 401 || s === 403) return "disable_key";
  // 402 Payment Required: out of credits (OpenRouter, Anthropic billing_error).
  if (s === 402) return "exhaust_key";
  if (s === 429) return "rest_key";
  if (s === 408 || s === 409) return "cool_down";
  if (s >= 400) return "return_to_caller";
  // A 1xx/2xx/3xx reported as a failure is the upstream misbehaving, not the request.
  return "cool_down";
}

/** Maps one failed attempt to its key action and whether the request may try the next target. */
export function classifyFailure(f: UpstreamFailure): FailureAction {
  const action = keyAction(f);
  const retryNext = !f.afterFirstByte;
  switch (action) {
    case "return_to_caller":
      return { action, retryNext: false };
    case "rest_key": {
      const ra = f.retryAfterMs;
      const restMs = ra !== undefined && Number.isFinite(ra) ? Math.max(0, ra) : DEFAULT_REST_MS;
      return { action, restMs, retryNext };
    }
    default:
      return { action, retryNext };
  }
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
// RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 form, and asctime (which has no zone and
// means GMT; Date.parse would read it as local time). Anything else is refused rather than
// handed to Date.parse, which accepts strings like "abc 5".
const IMF_FIXDATE = /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i;
const RFC850_DATE = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i;
const ASCTIME_DATE = /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i;

function parseHttpDate(value: string): number | undefined {
  let text = value;
  if (ASCTIME_DATE.test(text)) text += " GMT";
  else if (!IMF_FIXDATE.test(text) && !RFC850_DATE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Parses retry-after-ms (OpenAI's, milliseconds) or else retry-after (delta seconds or an
 * HTTP-date) into milliseconds from `now`; undefined if both are absent or invalid. A date in the
 * past gives 0. Fractional values are accepted, negative ones are not.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null },
  now: number,
): number | undefined {
  const ms = headers.get("retry-after-ms")?.trim();
  if (ms && DECIMAL.test(ms)) return Number(ms);
  const ra = headers.get("retry-after")?.trim();
  if (!ra) return undefined;
  if (DECIMAL.test(ra)) return Number(ra) * 1000;
  const at = parseHttpDate(ra);
  return at === undefined ? undefined : Math.max(0, at - now);
}

/**
 * Full-jitter exponential backoff (AWS architecture blog): a uniform wait in
 * [0, min(capMs, baseMs · 2^attempt)), so retries after a shared outage spread out instead of
 * arriving together. `attempt` counts from 0. Defaults: base 100 ms, cap 2000 ms.
 */
export function backoffMs(
  attempt: number,
  random: () => number,
  baseMs = 100,
  capMs = 2000,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}
