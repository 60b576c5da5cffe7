import { z } from "zod";
import type { BenchtopEvent } from "../app/eventBus.js";
import type { NotificationMessage, Notifier } from "../platform/types.js";

/**
 * Native notifications for spend alerts: the ledger raises an alert (once per scope, cap,
 * threshold and period) when spend crosses 80% or 100% of a daily or monthly cap, or when a
 * member-paid request is refused for lack of credits, and the core's event bus carries it as
 * `{ type: "alert", data: Alert }`. Pure (no `electron` import); `main.ts` passes the Electron
 * notifier.
 */

/** The alert as the event bus carries it (src-main/store/alertsRepo.ts `Alert`). */
const AlertEventData = z.object({
  memberId: z.string().nullable(),
  kind: z.enum(["daily_cap", "monthly_cap", "credits"]),
  thresholdPct: z.number(),
  /** `YYYY-MM-DD` for daily caps and credits, `YYYY-MM` for monthly caps. */
  period: z.string(),
  /** The cap; for `credits`, what the refused request needed. */
  capMicros: z.number(),
  /** Spend so far; for `credits`, what was available. */
  spentMicros: z.number(),
});
export type AlertEventData = z.infer<typeof AlertEventData>;

/** `$12.50`, or every significant micro-dollar below a cent: `$0.000063`. */
export function dollars(micros: number): string {
  return micros >= 10_000 || micros === 0
    ? `$${(micros / 1_000_000).toFixed(2)}`
    : `$${(micros / 1_000_000).toFixed(6).replace(/0+$/, "")}`;
}

/**
 * The notification for one alert. `memberName` is the member's display name (`undefined` when
 * the alert is org-wide or the member is gone).
 */
export function alertNotification(
  alert: AlertEventData,
  memberName: string | undefined,
): NotificationMessage {
  const who = alert.memberId === null ? "The lab" : (memberName ?? "A member");
  if (alert.kind === "credits") {
    return {
      title: `${who} ran out of credits`,
      body:
        `A request needing ${dollars(alert.capMicros)} was refused with ` +
        `${dollars(alert.spentMicros)} available. Add credits in Benchtop.`,
    };
  }
  const cap = alert.kind === "daily_cap" ? "daily spending cap" : "monthly spending cap";
  const when = alert.kind === "daily_cap" ? `on ${alert.period}` : `in ${alert.period}`;
  const spent = `${dollars(alert.spentMicros)} of ${dollars(alert.capMicros)} spent ${when}.`;
  if (alert.thresholdPct >= 100) {
    return {
      title: `${who} reached the ${cap}`,
      body: `${spent} Requests that would go over it are refused.`,
    };
  }
  return { title: `${who} has used ${alert.thresholdPct}% of the ${cap}`, body: spent };
}

/** The part of the core's `EventBus` this needs. */
export interface EventSource {
  on(listener: (event: BenchtopEvent) => void): () => void;
}

/**
 * Shows a notification for every alert event on `events`. Other events, and alert events whose
 * data does not have the alert's shape, are ignored. Returns the function that unsubscribes.
 */
export function notifyOnAlerts(
  events: EventSource,
  notifier: Notifier,
  memberName: (memberId: string) => string | undefined,
): () => void {
  return events.on((event) => {
    if (event.type !== "alert") return;
    const parsed = AlertEventData.safeParse(event.data);
    if (!parsed.success) return;
    const alert = parsed.data;
    notifier.notify(
      alertNotification(alert, alert.memberId === null ? undefined : memberName(alert.memberId)),
    );
  });
}
