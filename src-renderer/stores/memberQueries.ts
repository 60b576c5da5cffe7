import type { AlertDto } from "@contract";
import type { ApiClient } from "../api/createApiClient";

const DAY_MS = 86_400_000;

/**
 * Settled requests per member in the org's current day, from `GET /usage`. The range starts a
 * day before this machine's clock (so a browser clock slightly ahead of the server's still asks
 * a valid range) and ends at the server's now; the last bucket is the server's today.
 */
export async function requestsToday(
  api: ApiClient,
  now: number,
  memberId?: string,
): Promise<Record<string, number>> {
  const page = await api.manage("GET /usage", {
    query: { start_ms: Math.max(0, now - DAY_MS), group_by: "member_id", member_id: memberId },
  });
  const today = page.data[page.data.length - 1];
  const out: Record<string, number> = {};
  for (const r of today?.results ?? []) if (r.member_id) out[r.member_id] = r.requests;
  return out;
}

/**
 * Alerts that still apply: those of the current day or month (`period` is the org's "YYYY-MM-DD"
 * or "YYYY-MM", as `…/status` reports them). Older ones are history.
 */
export function currentAlerts(alerts: AlertDto[], day: string, month: string): AlertDto[] {
  return alerts.filter((a) => a.period === day || a.period === month);
}

/** At most this many alerts are read at once (the API's maximum). */
export const ALERTS_LIMIT = 500;
