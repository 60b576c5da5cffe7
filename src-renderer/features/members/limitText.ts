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

/** One limit as a person reads it: "60 requests/min", "$1.00", "No limit", "tiny, qwen". */
export function describeLimit<K extends keyof EffectiveLimitsDto>(
  key: K,
  value: EffectiveLimitsDto[K] | undefined,
): string {
  if (value === null || value === undefined)
    return key === "allowed_models"
      ? "Every model"
      : key === "gpu_weight"
        ? "Equal share"
        : key === "gpu_priority"
          ? "Normal"
          : key === "max_queued"
            ? "Server default"
            : "No limit";
  if (key === "gpu_weight") return `${value as number}× share`;
  if (key === "gpu_priority") return `Above normal (${value as number})`;
  if (Array.isArray(value)) return value.length ? value.join(", ") : "No model";
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
};
