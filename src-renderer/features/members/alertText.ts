import type { AlertDto } from "@contract";

const KIND_LABEL: Record<AlertDto["kind"], string> = {
  daily_cap: "daily cap",
  monthly_cap: "monthly cap",
  credits: "credits",
};

/** "100% of daily cap (2025-06-01)" */
export function alertSummary(a: AlertDto): string {
  return a.kind === "credits"
    ? `Credits ran out (${a.period})`
    : `${a.threshold_pct}% of ${KIND_LABEL[a.kind]} (${a.period})`;
}
