import type { EffectiveLimits } from "../contract/limits.js";
import type { Alert, AlertsRepo } from "../store/alertsRepo.js";
import type { Rejection } from "./ledgerTypes.js";
import type { SpendBook } from "./spendBook.js";

/** Percentages of a cap at which an alert is raised, once per scope, cap and period. */
const THRESHOLDS = [80, 100] as const;

/**
 * Spend alerts: when a settlement takes a member's or the org's spend past 80% or 100% of a
 * daily or monthly cap, an alert row is written in the settlement's own transaction.
 */
export class AlertRules {
  /** Alerts known to exist, so the common case (already raised, or below) writes nothing. */
  private readonly raised = new Set<string>();

  constructor(
    private readonly alerts: AlertsRepo,
    private readonly book: SpendBook,
  ) {}

  /**
   * Raises the alerts this settlement's `cost` crossed. Runs inside the settlement's transaction
   * with the window sums as they were before it (the book moves after commit). Returns the new
   * alerts and the keys to `remember` once the transaction committed.
   */
  check(
    memberId: string,
    member: EffectiveLimits,
    org: EffectiveLimits,
    day: string,
    month: string,
    cost: number,
  ): { alerts: Alert[]; alertKeys: string[] } {
    const alerts: Alert[] = [];
    const alertKeys: string[] = [];
    if (cost === 0) return { alerts, alertKeys };
    for (const [scope, kind, cap, period] of [
      [memberId, "daily_cap", member.daily_cap_micros, day],
      [memberId, "monthly_cap", member.monthly_cap_micros, month],
      [null, "daily_cap", org.daily_cap_micros, day],
      [null, "monthly_cap", org.monthly_cap_micros, month],
    ] as const) {
      if (cap === null) continue;
      const spent =
        this.book.spend(scope, kind === "daily_cap" ? "day" : "month", period).settled + cost;
      for (const pct of THRESHOLDS) {
        const key = `${scope ?? ""}|${kind}|${pct}|${period}`;
        if (this.raised.has(key) || spent * 100 < cap * pct) continue;
        const alert = this.alerts.raise({
          memberId: scope,
          kind,
          thresholdPct: pct,
          period,
          capMicros: cap,
          spentMicros: spent,
        });
        alertKeys.push(key);
        if (alert) alerts.push(alert);
      }
    }
    return { alerts, alertKeys };
  }

  /**
   * A request was refused by a cap or for lack of credits: the cap is reached in practice even
   * when settled spend is below it (reservations hold the rest), so the 100% alert is raised
   * now if it was not already. For credits, `capMicros` is what the refused request needed and
   * `spentMicros` what was available. Run inside a transaction; returns what `check` returns.
   */
  refused(
    memberId: string,
    r: Rejection,
    day: string,
    month: string,
  ): { alerts: Alert[]; alertKeys: string[] } {
    const alerts: Alert[] = [];
    const alertKeys: string[] = [];
    let raise: Omit<Alert, "id" | "createdMs"> | undefined;
    if (r.kind === "budget")
      raise = {
        memberId: r.scope === "member" ? memberId : null,
        kind: r.window === "day" ? "daily_cap" : "monthly_cap",
        thresholdPct: 100,
        period: r.window === "day" ? day : month,
        capMicros: r.capMicros,
        spentMicros: r.spentMicros,
      };
    else if (r.kind === "credits")
      raise = {
        memberId,
        kind: "credits",
        thresholdPct: 100,
        period: day,
        capMicros: r.neededMicros,
        spentMicros: Math.max(0, r.availableMicros),
      };
    if (!raise) return { alerts, alertKeys };
    const key = `${raise.memberId ?? ""}|${raise.kind}|100|${raise.period}`;
    if (this.raised.has(key)) return { alerts, alertKeys };
    const alert = this.alerts.raise(raise);
    alertKeys.push(key);
    if (alert) alerts.push(alert);
    return { alerts, alertKeys };
  }

  remember(keys: readonly string[]): void {
    for (const k of keys) this.raised.add(k);
  }
}
