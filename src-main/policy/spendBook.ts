import type { CreditsRepo } from "../store/creditsRepo.js";
import type { UsageRepo, WindowSpend } from "../store/usageRepo.js";

/** Map key of the org-wide sums. */
const ORG = "org";
/** Bound on cached windows; beyond it old periods are dropped and reloaded on use. */
const MAX_WINDOWS = 50_000;

/**
 * Spend per window (member or org, day or month) and member credits, cached in memory as sums
 * of the ledger: loaded from SQLite on first use, then moved by the ledger only after its
 * commits, and cleared when the ledger is rebuilt at startup. The database stays the truth.
 */
export class SpendBook {
  private readonly windows = new Map<string, WindowSpend>();
  private readonly creditSums = new Map<string, { balance: number; reserved: number }>();

  constructor(
    private readonly usage: UsageRepo,
    private readonly creditsRepo: CreditsRepo,
  ) {}

  /** Settled and reserved spend of a member (or the org, `null`) in a day or month. */
  spend(memberId: string | null, window: "day" | "month", key: string): WindowSpend {
    const cacheKey = `${memberId ?? ORG}|${window}|${key}`;
    let s = this.windows.get(cacheKey);
    if (!s) {
      if (this.windows.size > MAX_WINDOWS) this.windows.clear();
      s = { ...this.usage.spend(memberId, window, key) };
      this.windows.set(cacheKey, s);
    }
    return s;
  }

  /** Moves the member's and the org's day and month sums by `d` (after a commit). */
  bumpSpend(memberId: string, day: string, month: string, d: WindowSpend): void {
    for (const [m, w, k] of [
      [memberId, "day", day],
      [memberId, "month", month],
      [null, "day", day],
      [null, "month", month],
    ] as const) {
      const s = this.windows.get(`${m ?? ORG}|${w}|${k}`);
      if (s) {
        s.settled += d.settled;
        s.reserved += d.reserved;
      }
    }
  }

  /** A member's credit balance and the part held by member-paid requests in flight. */
  credits(memberId: string): { balance: number; reserved: number } {
    let c = this.creditSums.get(memberId);
    if (!c) {
      c = {
        balance: this.creditsRepo.balance(memberId),
        reserved: this.creditsRepo.reserved(memberId),
      };
      this.creditSums.set(memberId, c);
    }
    return c;
  }

  bumpCredits(memberId: string, balance: number, reserved: number): void {
    const c = this.creditSums.get(memberId);
    if (c) {
      c.balance += balance;
      c.reserved += reserved;
    }
  }

  /** Drops a member's cached credits (a grant whose transaction may still roll back). */
  forgetCredits(memberId: string): void {
    this.creditSums.delete(memberId);
  }

  clear(): void {
    this.windows.clear();
    this.creditSums.clear();
  }
}
