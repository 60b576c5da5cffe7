import type { Logger } from "pino";
import type { EffectiveLimits } from "../contract/limits.js";
import type { AttemptFailure } from "../gateway/types.js";
import type { Alert } from "../store/alertsRepo.js";
import type { CreditsRepo } from "../store/creditsRepo.js";
import type { Db } from "../store/db.js";
import type { StorageHealth } from "../store/storageHealth.js";
import type { UsageRepo } from "../store/usageRepo.js";
import type { AlertRules } from "./alertRules.js";
import type { Admission, LedgerEvent, SettleInput } from "./ledgerTypes.js";
import { costMicros } from "./pricing.js";
import type { RateWindows } from "./rateWindows.js";
import type { SpendBook } from "./spendBook.js";

export interface SettlementDeps {
  db: Db;
  usage: UsageRepo;
  credits: CreditsRepo;
  log: Logger;
  book: SpendBook;
  rate: RateWindows;
  alertRules: AlertRules;
  storage: StorageHealth;
  now: () => number;
  /** Runs a commit without its own fsync (see Ledger.relaxed). */
  relaxed: <T>(commit: () => T) => T;
  /** The member's and the org's effective limits (the alert check reads them). */
  limits: (memberId: string) => { member: EffectiveLimits; org: EffectiveLimits };
  emit: (event: LedgerEvent) => void;
}

/** A settlement or a release, with the instant it happened (what its row records). */
type Write =
  | { kind: "settle"; a: Admission; s: SettleInput; now: number }
  | { kind: "release"; a: Admission; errorCode: string; httpStatus: number; now: number };

/**
 * The end of an admitted request: its settlement (what it used) or its release (it never ran),
 * and a pool's move to its next attempt. Each is one transaction on the request's usage row.
 *
 * A full disk does not lose a settlement. The row itself is already on disk (admissions are
 * durable before they are acted on, and an admission the disk refuses is a 503 before anything
 * runs); what the disk refuses is the change of that row. That change is then held in memory, in
 * order: the request counts as finished (its concurrency slot is free, the rate windows see its
 * tokens), while the spend sums keep its reservation, exactly as the row on disk still says. When
 * storage takes writes again (a probe, an admission) the held writes are committed in order and
 * only then move the sums. Should the process end first, the row is still `reserved`, and the
 * startup sweep settles it at its reserved maximum, flagged — never at $0.
 */
export class Settlements {
  private readonly settleTx;
  private readonly releaseTx;
  /** Writes the disk refused, oldest first. Bounded by the requests in flight when it filled. */
  private readonly held: Write[] = [];

  constructor(private readonly deps: SettlementDeps) {
    this.settleTx = deps.db.transaction((a: Admission, s: SettleInput, now: number) =>
      this.settleInTx(a, s, now),
    );
    this.releaseTx = deps.db.transaction(
      (a: Admission, errorCode: string, httpStatus: number, now: number) =>
        deps.usage.release(a.usageId, {
          errorCode,
          httpStatus,
          latencyMs: now - a.createdMs,
          settledMs: now,
        }),
    );
    deps.storage.onResume(() => this.flushHeld());
  }

  /** Settlements and releases waiting for space. */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Records what a request really used and releases the rest of its reservation. Idempotent:
   * a second call for the same admission does nothing. Returns the cost in micro-dollars.
   */
  settle(a: Admission, s: SettleInput): number {
    if (a.done) return 0;
    this.record({ kind: "settle", a, s, now: this.deps.now() });
    return settledCost(a, s);
  }

  /** Frees a reservation whose request never reached a model (nothing was generated). */
  release(a: Admission, errorCode: string, httpStatus: number): void {
    if (a.done) return;
    this.record({ kind: "release", a, errorCode, httpStatus, now: this.deps.now() });
  }

  /**
   * A pool's attempt failed before producing anything: its row is released (the caller is not
   * billed for it) and the next attempt's row takes over the reservation, in one transaction.
   * Rate windows and spend sums do not move: it is still the same request. Returns the
   * admission of the next attempt; `a` is done. On a full disk this throws `StorageFullError`
   * and `a` stays the request's admission (its caller releases it).
   */
  reattempt(a: Admission, f: AttemptFailure): Admission {
    if (a.done) throw new Error(`admission ${a.usageId} is already settled`);
    const now = this.deps.now();
    const attempt = a.attempt + 1;
    const usageId = `${a.requestId}:${attempt}`;
    try {
      this.deps.relaxed(() =>
        this.deps.db
          .transaction(() =>
            this.deps.usage.nextAttempt(
              a.usageId,
              { newId: usageId, attempt },
              { ...f, latencyMs: now - a.createdMs, settledMs: now },
            ),
          )
          .immediate(),
      );
    } catch (err) {
      throw this.deps.storage.fullError(err) ?? err;
    }
    this.deps.storage.wrote();
    a.done = true;
    return { ...a, usageId, attempt, done: false };
  }

  /**
   * Commits the held writes, oldest first, until the disk refuses one (it stays first). A held
   * write that fails for another reason cannot succeed later: it is logged and dropped, and its
   * row stays `reserved` for the startup sweep.
   */
  flushHeld(): void {
    while (this.held.length > 0) {
      const w = this.held[0]!;
      try {
        this.commit(w);
      } catch (err) {
        if (this.deps.storage.fullError(err)) return;
        this.deps.log.error(
          { err, usageId: w.a.usageId },
          "a held settlement could not be written; its row stays reserved for the startup sweep",
        );
      }
      this.held.shift();
    }
  }

  /** Writes `w` now, or holds it while the disk is full (after any that wait before it). */
  private record(w: Write): void {
    if (this.held.length > 0) this.flushHeld();
    if (this.held.length === 0) {
      try {
        this.commit(w);
        this.deps.storage.wrote();
        return;
      } catch (err) {
        if (!this.deps.storage.fullError(err)) throw err;
      }
    }
    // The request is over: its slot and rate windows move now; its row and the sums wait.
    w.a.done = true;
    this.finishRate(w);
    this.held.push(w);
    this.deps.log.warn(
      { usageId: w.a.usageId, kind: w.kind, held: this.held.length },
      "the disk is full: this settlement is held in memory until it can be written",
    );
  }

  /** One write in its own transaction, then the in-memory sums (only after the commit). */
  private commit(w: Write): void {
    const { a } = w;
    const wasHeld = a.done;
    if (w.kind === "release") {
      this.deps.relaxed(() => this.releaseTx.immediate(a, w.errorCode, w.httpStatus, w.now));
      if (!wasHeld) this.finishRate(w);
      a.done = true;
      this.deps.book.bumpSpend(a.memberId, a.day, a.month, {
        settled: 0,
        reserved: -a.reservedMicros,
      });
      if (a.price.billing_mode === "member")
        this.deps.book.bumpCredits(a.memberId, 0, -a.reservedMicros);
      return;
    }
    const { s, now } = w;
    const { book } = this.deps;
    // Load the window sums before the transaction, so the alert check inside it sees the spend
    // without this settlement (the cache moves only after commit).
    book.spend(a.memberId, "day", a.day);
    book.spend(a.memberId, "month", a.month);
    book.spend(null, "day", a.day);
    book.spend(null, "month", a.month);
    const { cost, alerts, alertKeys } = this.deps.relaxed(() => this.settleTx.immediate(a, s, now));
    if (!wasHeld) this.finishRate(w);
    a.done = true;
    this.deps.alertRules.remember(alertKeys);
    book.bumpSpend(a.memberId, a.day, a.month, { settled: cost, reserved: -a.reservedMicros });
    if (a.price.billing_mode === "member") book.bumpCredits(a.memberId, -cost, -a.reservedMicros);
    this.deps.log.info(
      {
        requestId: a.requestId,
        memberId: a.memberId,
        model: a.model,
        outcome: s.outcome,
        promptTokens: s.promptTokens,
        completionTokens: s.completionTokens,
        cachedTokens: s.cachedTokens,
        cacheWriteTokens: s.cacheWriteTokens ?? 0,
        source: s.source,
        costMicros: cost,
        ms: now - a.createdMs,
      },
      "request settled",
    );
    for (const alert of alerts) this.deps.emit({ type: "alert", alert });
    this.deps.emit({
      type: "usage",
      usageId: a.usageId,
      memberId: a.memberId,
      model: a.model,
      costMicros: cost,
    });
  }

  private finishRate(w: Write): void {
    const tokens = w.kind === "settle" ? w.s.promptTokens + w.s.completionTokens : 0;
    this.deps.rate.finish(w.a.ticket, tokens, w.now);
  }

  private settleInTx(
    a: Admission,
    s: SettleInput,
    now: number,
  ): { cost: number; alerts: Alert[]; alertKeys: string[] } {
    const cost = settledCost(a, s);
    const changed = this.deps.usage.settle(a.usageId, {
      servedModel: s.servedModel,
      provider: s.provider,
      promptTokens: s.promptTokens,
      completionTokens: s.completionTokens,
      cachedTokens: s.cachedTokens,
      cacheWriteTokens: s.cacheWriteTokens ?? 0,
      costMicros: cost,
      source: s.source,
      estimated: s.estimated,
      orphaned: false,
      outcome: s.outcome,
      errorCode: s.errorCode ?? null,
      httpStatus: s.httpStatus ?? null,
      ttftMs: s.ttftMs ?? null,
      latencyMs: now - a.createdMs,
      settledMs: now,
      fallback: s.fallback ?? null,
      ...(s.audit ? { audit: s.audit } : {}),
      ...(s.guard ? { guardJson: JSON.stringify(s.guard) } : {}),
    });
    if (!changed) throw new Error(`usage row ${a.usageId} was not reserved`);
    if (a.price.billing_mode === "member" && cost > 0) {
      this.deps.credits.add({
        memberId: a.memberId,
        kind: "debit",
        amountMicros: -cost,
        usageId: a.usageId,
      });
    }
    const { member, org } = this.deps.limits(a.memberId);
    return { cost, ...this.deps.alertRules.check(a.memberId, member, org, a.day, a.month, cost) };
  }
}

/**
 * Priced at what served the request (a route's target, else the admission's model), cache reads
 * and writes at the price's cache rates, plus the classifier's held cost.
 */
function settledCost(a: Admission, s: SettleInput): number {
  return (
    costMicros(s.price ?? a.price, s.promptTokens, s.completionTokens, {
      read: s.cachedTokens,
      write: s.cacheWriteTokens ?? 0,
    }) + a.routeMicros
  );
}
