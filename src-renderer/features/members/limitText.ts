import type { EffectiveLimitsDto } from "@contract";
import { formatMoney } from "../../lib/formatMoney";

const UNITS: Partial<Record<keyof EffectiveLimitsDto, string>> = {
  rpm: "requests/min",
  tpm: "tokens/min",
  max_concurrent: "at once",
  max_tokens: "tokens",
  max_gpu_sequences: "at once",
  max_queued: "waiting",
};

/** What an unset (null) limit reads as, where that is not "No limit". */
const NO_LIMIT_TEXT: Partial<Record<keyof EffectiveLimitsDto, string>> = {
  allowed_models: "Every model",
  allowed_categories: "Every category",
  gpu_weight: "Equal share",
  gpu_priority: "Normal",
  max_queued: "Server default",
};

/** One limit as a person reads it: "60 requests/min", "$1.00", "No limit", "tiny, qwen". */
export function describeLimit<K extends keyof EffectiveLimitsDto>(
  key: K,
  value: EffectiveLimitsDto[K] | undefined,
): string {
  if (value === null || value === undefined) return NO_LIMIT_TEXT[key] ?? "No limit";
  if (key === "gpu_weight") return `${value as number}× share`;
  if (key === "gpu_priority") return `Above normal (${value as number})`;
  if (Array.isArray(value))
    return value.length ? value.join(", ") : key === "allowed_models" ? "No model" : "No category";
  if (key === "daily_cap_micros" || key === "monthly_cap_micros")
    return formatMoney(value as number);
  return `${(value as number).toLocaleString("en-US")} ${UNITS[key] ?? ""}`.trim();
}

export const LIMIT_LABELS: Record<keyof EffectiveLimitsDto, string> = {
  rpm: "Requests per minute",
  tpm: "Tokens per minute",
  max_concurrent: "Concurrent requests",
  max_tokens: "Max tokens per request",
  gpu_weight: "GPU share (weight)",
  gpu_priority: "GPU priority",
  max_gpu_sequences: "GPU sequences at once",
  max_queued: "Requests waiting per model",
  daily_cap_micros: "Daily spend cap",
  monthly_cap_micros: "Monthly spend cap",
  allowed_models: "Allowed models",
  allowed_categories: "Allowed categories",
};

/**
 * The two access lists read together, as the server applies them
 * (src-main/policy/admissionChecks.ts): with neither set, every model; with one or both set, a
 * model passes by either — its id listed, or one of its categories allowed. So an unset list
 * next to a set one grants nothing by itself, and says so.
 */
export function accessText(
  models: string[] | null,
  categories: string[] | null,
): { allowed_models: string; allowed_categories: string } {
  if (models === null && categories === null)
    return { allowed_models: "Every model", allowed_categories: "Every category" };
  return {
    allowed_models:
      models === null ? "None by id (only by category)" : describeLimit("allowed_models", models),
    allowed_categories:
      categories === null
        ? "None (only the models listed)"
        : describeLimit("allowed_categories", categories),
  };
}
