import type { Rejection } from "../policy/ledger.js";
import { ApiError } from "./errors.js";

/** `$12.50`, or every significant micro-dollar below a cent: `$0.000063`. */
const dollars = (micros: number) =>
  micros >= 10_000 || micros === 0
    ? `$${(micros / 1_000_000).toFixed(2)}`
    : `$${(micros / 1_000_000).toFixed(6).replace(/0+$/, "")}`;
const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * The HTTP answer to a refused admission. Rate limits are 429 `rate_limit_exceeded` with
 * `retry-after`; budgets are 429 `insufficient_quota` with `x-should-retry: false` (retrying
 * before the window resets cannot help); a model outside the allow-list is 403.
 */
export function rejectionError(
  r: Rejection,
  model: string,
  rateHeaders: Record<string, string>,
): ApiError {
  const whose = (scope: "member" | "org") => (scope === "member" ? "your" : "the lab's");
  switch (r.kind) {
    case "model_not_allowed":
      return new ApiError(
        403,
        "permission_error",
        r.allowedCategories
          ? `You are not allowed to use the model '${model}' (${
              r.categories?.length ? `categories: ${r.categories.join(", ")}` : "no category"
            }; ${whose(r.scope)} allowed categories: ${r.allowedCategories.join(", ") || "none"}). Ask your lab admin to allow it.`
          : `You are not allowed to use the model '${model}'. Ask your lab admin to allow it.`,
        "model_not_allowed",
        "model",
        rateHeaders,
      );
    case "requests":
    case "tokens":
    case "concurrency": {
      const what =
        r.kind === "requests"
          ? `requests per minute (${whose(r.scope)} limit: ${r.limit})`
          : r.kind === "tokens"
            ? `tokens per minute (${whose(r.scope)} limit: ${r.limit})`
            : `requests in flight at once (${whose(r.scope)} limit: ${r.limit})`;
      const message = r.never
        ? `This request alone needs more ${what}; lower max_tokens or the prompt.`
        : `Rate limit reached for ${what}. Try again in ${seconds(r.retryAfterMs)} s.`;
      return new ApiError(
        429,
        r.kind === "tokens" ? "tokens" : "requests",
        message,
        "rate_limit_exceeded",
        null,
        // A request over the limit on its own can never pass: no retry time to promise.
        r.never
          ? { ...rateHeaders, "x-should-retry": "false" }
          : {
              ...rateHeaders,
              "retry-after": seconds(r.retryAfterMs),
              "retry-after-ms": String(Math.ceil(r.retryAfterMs)),
            },
      );
    }
    case "budget": {
      const cap = r.window === "day" ? "daily" : "monthly";
      const detail =
        r.scope === "member"
          ? ` (${dollars(r.spentMicros)} of ${dollars(r.capMicros)} used or held; this request may cost up to ${dollars(r.neededMicros)})`
          : "";
      return new ApiError(
        429,
        "insufficient_quota",
        `You exceeded ${whose(r.scope)} ${cap} spend cap${detail}. It resets at the start of the next ${r.window === "day" ? "day" : "month"} in the lab's time zone.`,
        "insufficient_quota",
        null,
        { ...rateHeaders, "x-should-retry": "false", "retry-after": seconds(r.retryAfterMs) },
      );
    }
    case "credits":
      return new ApiError(
        429,
        "insufficient_quota",
        `Not enough credits: this request may cost up to ${dollars(r.neededMicros)} and you have ${dollars(Math.max(0, r.availableMicros))} available. Ask your lab admin for a top-up.`,
        "insufficient_credits",
        null,
        { ...rateHeaders, "x-should-retry": "false" },
      );
  }
}
