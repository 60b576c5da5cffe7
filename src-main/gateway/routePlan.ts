import type { PriceDto } from "../contract/limits.js";
import type { RouteRecord } from "../policy/ledgerTypes.js";
import { cacheReadRate, cacheWriteRate, costMicros } from "../policy/pricing.js";
import type { Provider } from "../providers/types.js";
import type { RouteDecision } from "../routing/Router.js";
import { ApiError, modelNotFound, toApiError } from "./errors.js";

/** One target of a route, with the provider that serves it. */
export interface PlannedTarget {
  model: string;
  provider: Provider;
}

/**
 * A route made concrete: its targets that exist and can take the request, in order, and the
 * ones left out (recorded in the fallback path). Throws when none is left: the first refusal
 * (e.g. tools on a local model), or 404 for a direct request to a model that does not exist.
 */
export async function planTargets(
  decision: RouteDecision,
  providerOf: (model: string) => Promise<Provider | undefined>,
  refuse?: (p: Provider) => void,
): Promise<{ targets: PlannedTarget[]; skipped: string[] }> {
  const targets: PlannedTarget[] = [];
  const skipped: string[] = [];
  let refusal: unknown;
  for (const model of decision.targets) {
    const provider = await providerOf(model);
    if (!provider) {
      skipped.push(`${model}: model_not_found`);
      continue;
    }
    try {
      refuse?.(provider);
    } catch (err) {
      refusal ??= err;
      skipped.push(`${model}: ${toApiError(err, model).code ?? "refused"}`);
      continue;
    }
    targets.push({ model, provider });
  }
  if (targets.length > 0) return { targets, skipped };
  if (refusal !== undefined) throw refusal;
  if (decision.reason === "direct" || decision.targets.length === 0)
    throw decision.targets.length === 0
      ? new ApiError(
          503,
          "server_error",
          `Nothing to route '${decision.requested}' to: no target is configured and no local model is available.`,
          "no_route",
          "model",
          { "retry-after": "5" },
        )
      : modelNotFound(decision.requested);
  throw new ApiError(
    503,
    "server_error",
    `No target of '${decision.requested}' exists right now (${skipped.join("; ")}).`,
    "no_route",
    "model",
    { "retry-after": "5" },
  );
}

/**
 * Whether a failure before the first byte moves a route on to its next target: the classes a
 * pool fails over on — unavailable, busy (the member's local queue full, an upstream's 429),
 * 5xx, timeouts — and a prompt too long for this target's context (the next may hold it).
 * Never a request error (4xx): the next target would refuse it too.
 */
export function movesOn(err: ApiError): boolean {
  return (
    err.status >= 500 ||
    err.status === 429 ||
    err.status === 408 ||
    err.code === "context_length_exceeded" ||
    err.code === "model_not_found"
  );
}

/**
 * What a route reserves at: the dearest input, output and cache prices of its targets, member-paid if
 * any target is (credits must cover the worst case up front). Settlement then charges the price
 * of the target that answered, so the caller is billed once, never at this composite.
 */
export function compositePrice(model: string, prices: PriceDto[]): PriceDto {
  return {
    model,
    input_micros_per_mtok: Math.max(0, ...prices.map((p) => p.input_micros_per_mtok)),
    output_micros_per_mtok: Math.max(0, ...prices.map((p) => p.output_micros_per_mtok)),
    cache_read_micros_per_mtok: Math.max(0, ...prices.map(cacheReadRate)),
    cache_write_micros_per_mtok: Math.max(0, ...prices.map(cacheWriteRate)),
    billing_mode: prices.some((p) => p.billing_mode === "member") ? "member" : "org",
  };
}

/** The usage row's record of a decision; the classifier's tokens priced at the router model's. */
export function routeRecord(
  decision: RouteDecision,
  price: (model: string) => PriceDto,
): RouteRecord {
  const r = decision.router;
  return {
    category: decision.category,
    classifier: decision.classifier,
    tokens: r ? r.promptTokens + r.completionTokens : 0,
    micros: r ? costMicros(price(r.model), r.promptTokens, r.completionTokens) : 0,
  };
}

/** `x-benchtop-route: code -> qwen-coder` (`-` when no category applies). */
export function routeHeader(decision: RouteDecision, target: string): Record<string, string> {
  return { "x-benchtop-route": `${decision.category ?? "-"} -> ${target}` };
}
