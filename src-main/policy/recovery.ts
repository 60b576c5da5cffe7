import type { CreditsRepo } from "../store/creditsRepo.js";
import type { Db } from "../store/db.js";
import type { UsageRepo } from "../store/usageRepo.js";

/**
 * The startup sweep's writes: every row an interruption (a crash, a power loss, a shutdown with
 * settlements a full disk still held) left `reserved` is settled at its reserved worst case,
 * flagged estimated and orphaned — never silently at $0 — with the member's credit debit when
 * the member pays. One transaction. Returns how many rows it settled.
 */
export function settleInterrupted(
  deps: { db: Db; usage: UsageRepo; credits: CreditsRepo },
  now: number,
): number {
  const rows = deps.usage.reserved();
  deps.db
    .transaction(() => {
      for (const r of rows) {
        deps.usage.settle(r.id, {
          servedModel: null,
          provider: null,
          promptTokens: null,
          completionTokens: null,
          cachedTokens: null,
          costMicros: r.reservedMicros,
          source: "reserved_max",
          estimated: true,
          orphaned: true,
          outcome: "error",
          errorCode: "interrupted",
          httpStatus: null,
          ttftMs: null,
          latencyMs: null,
          settledMs: now,
        });
        if (r.billingMode === "member" && r.reservedMicros > 0)
          deps.credits.add({
            memberId: r.memberId,
            kind: "debit",
            amountMicros: -r.reservedMicros,
            usageId: r.id,
            note: "settled at the reserved maximum after an interruption",
          });
      }
    })
    .immediate();
  return rows.length;
}
