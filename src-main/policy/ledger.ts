import type { Logger } from "pino";
import type { AttemptFailure } from "../gateway/types.js";
import {
  FREE_PRICE,
  NO_LIMITS,
  type EffectiveLimits,
  type LimitsDto,
  type PriceDto,
} from "../contract/limits.js";
import type { AlertsRepo } from "../store/alertsRepo.js";
import type { CreditsRepo } from "../store/creditsRepo.js";
import type { Db } from "../store/db.js";
import type { LimitsRepo } from "../store/limitsRepo.js";
import type { SettingsRepo } from "../store/settingsRepo.js";
import { StorageHealth } from "../store/storageHealth.js";
import type { UsageRepo } from "../store/usageRepo.js";
import { dayEndMs, monthEndMs, periodKeys, systemTimeZone } from "./periods.js";
import { budgetRejection, modelRejection, rateRejection, worstCase } from "./admissionChecks.js";
import { AlertRules } from "./alertRules.js";
import { CommitDurability, NotDurableError } from "./commitDurability.js";
import type {
  Admission,
  AdmitRequest,
  LedgerEvent,
  Rejection,
  SettleInput,
} from "./ledgerTypes.js";
import { meterFreeRequest, type FreeRequestResult } from "./freeRequests.js";
import { RateWindows, WINDOW_MS } from "./rateWindows.js";
import { rateLimitHeaders } from "./rateLimitHeaders.js";
import { settleInterrupted } from "./recovery.js";
import { Settlements } from "./settlements.js";
import { SpendBook } from "./spendBook.js";

export type AdmitResult =
  | { ok: true; admission: Admission }
  | { ok: false; rejection: Rejection; headers: Record<string, string> };

export type {
  Admission,
  AdmitRequest,
  Endpoint,
  LedgerEvent,
  Rejection,
  SettleInput,
} from "./ledgerTypes.js";

export interface LedgerDeps {
  db: Db;
  usage: UsageRepo;
  credits: CreditsRepo;
  alerts: AlertsRepo;
  limits: LimitsRepo;
  settings: SettingsRepo;
  log: Logger;
  now?: () => number;
  onEvent?: (event: LedgerEvent) => void;
  /**
   * How admission commits reach the disk. Defaults to `FULL` (fsync: an acknowledged row
   * survives power loss; `admitDurably` groups the fsyncs of concurrent admissions). `OFF`
   * exists for benchmarks that separate the fsync's share.
   */
  synchronous?: "FULL" | "OFF";
  /** Price of a model the lab has not priced (e.g. a pool of well-known upstream models). */
  defaultPrice?: (model: string) => PriceDto | undefined;
  /**
   * Whether the database's disk takes writes (shared with the server, which reports it).
   * Defaults to one of the ledger's own, without a periodic probe.
   */
  storage?: StorageHealth;
}

const ORG = "org";
const TZ_SETTING = "org.time_zone";

/**
 * Admission and settlement: the one place that decides whether a request may run and what it
 * cost. `admit` checks every limit and writes the `reserved` usage row in one synchronous
 * SQLite transaction — nothing awaits between check and write, so concurrent requests cannot
 * slip past a budget. Window spend and credits are cached in memory as sums of the ledger
 * (loaded from it on first use, updated only after a commit) and rebuilt from it at startup.
 *
 * On a full disk an admission throws `StorageFullError` (nothing is reserved: a 503 before any
 * work), and a settlement of a request admitted before is held in memory until it can be
 * written (settlements.ts): an acknowledged row is never lost, and the sums never run ahead of it.
 */
export class Ledger {
  private readonly now: () => number;
  private readonly rate = new RateWindows();
  private readonly book: SpendBook;
  private readonly alertRules: AlertRules;
  private readonly admitTx;
  private readonly durability: CommitDurability;
  private readonly storage: StorageHealth;
  private readonly settlements: Settlements;
  private tz: string;

  constructor(private readonly deps: LedgerDeps) {
    this.now = deps.now ?? Date.now;
    this.tz = deps.settings.get<string>(TZ_SETTING) ?? systemTimeZone();
    this.book = new SpendBook(deps.usage, deps.credits);
    this.durability = new CommitDurability(deps.db, deps.synchronous ?? "FULL");
    this.alertRules = new AlertRules(deps.alerts, this.book);
    this.storage = deps.storage ?? new StorageHealth({ dbFile: deps.db.name, log: deps.log });
    this.admitTx = deps.db.transaction(
      (req: AdmitRequest, member: EffectiveLimits, org: EffectiveLimits, price: PriceDto) =>
        this.admitInTx(req, member, org, price),
    );
    this.settlements = new Settlements({
      db: deps.db,
      usage: deps.usage,
      credits: deps.credits,
      log: deps.log,
      book: this.book,
      rate: this.rate,
      alertRules: this.alertRules,
      storage: this.storage,
      now: this.now,
      relaxed: (commit) => this.relaxed(commit),
      limits: (memberId) => ({ member: this.memberLimits(memberId), org: this.orgLimits() }),
      emit: (event) => this.emit(event),
    });
  }

  // ── configuration ────────────────────────────────────────────────────────────────────

  timeZone(): string {
    return this.tz;
  }

  /** Changes the org's time zone; rows keep the day and month they were admitted in. */
  setTimeZone(tz: string): void {
    this.deps.settings.set(TZ_SETTING, tz);
    this.tz = tz;
  }

  /** A member's limits with inheritance applied (member ← default). */
  memberLimits(memberId: string): EffectiveLimits {
    const merged: LimitsDto = {
      ...this.deps.limits.limits("default"),
      ...this.deps.limits.limits(memberId),
    };
    return { ...NO_LIMITS, ...merged } as EffectiveLimits;
  }

  orgLimits(): EffectiveLimits {
    return { ...NO_LIMITS, ...this.deps.limits.limits(ORG) } as EffectiveLimits;
  }

  /** The model's price: set by the lab, else a default (a pool's catalog price), else free. */
  price(model: string): PriceDto {
    return this.deps.limits.price(model) ?? this.deps.defaultPrice?.(model) ?? FREE_PRICE(model);
  }

  /** What an admission reserves at: the route's price (the dearest of its targets) or the model's. */
  private priceOf(req: AdmitRequest): PriceDto {
    return req.price ?? this.price(req.model);
  }

  // ── admission ────────────────────────────────────────────────────────────────────────

  /**
   * Admits with the admission's own fsync (synchronous=FULL) before it returns. Throws
   * `StorageFullError` when the disk refuses the admission: nothing was reserved.
   */
  admit(req: AdmitRequest): AdmitResult {
    // Settlements held by a full disk go first: the checks below should see them.
    this.settlements.flushHeld();
    // Limits and the price are read before the transaction (from the repository's cache):
    // nothing awaits in between, so they cannot change before the checks run.
    const member = this.memberLimits(req.memberId);
    let result: AdmitResult;
    try {
      result = this.admitTx.immediate(req, member, this.orgLimits(), this.priceOf(req));
    } catch (err) {
      throw this.storage.fullError(err) ?? err;
    }
    // Committed: only now do the in-memory sums move.
    if (result.ok) {
      this.storage.wrote();
      this.hold(result.admission);
    } else this.alertOnRefusal(req.memberId, result.rejection);
    return result;
  }

  /**
   * Admits like `admit`, and resolves once the admission is on disk, by group commit (see
   * CommitDurability): admissions that arrive while an fsync runs are checked and written one
   * after another in one transaction when it ends, and share the next fsync. Each check and
   * its write are still synchronous, in one transaction, with every admission before it
   * counted; only acting on the admission waits. If the commit or the fsync fails, the
   * admission is undone (released, once written) and this rejects: with `StorageFullError`
   * when the disk is full (nothing stays reserved), else with a plain Error.
   */
  async admitDurably(req: AdmitRequest): Promise<AdmitResult> {
    if (!this.durability.grouped) return this.admit(req);
    this.settlements.flushHeld();
    // Read once outside any transaction, so the repository caches them: the check reads them
    // again in the shared transaction (current values; reads inside one are not cached).
    this.memberLimits(req.memberId);
    this.orgLimits();
    this.priceOf(req);
    let result: AdmitResult;
    try {
      result = await this.durability.commitDurably(
        () => {
          const r = this.admitInTx(
            req,
            this.memberLimits(req.memberId),
            this.orgLimits(),
            this.priceOf(req),
          );
          // In the shared transaction the next admission's checks must see this one.
          if (r.ok) this.hold(r.admission);
          return r;
        },
        (r) => {
          if (!r.ok) return;
          // Not committed: the sums reload from the database; the slot is freed.
          this.book.clear();
          this.rate.finish(r.admission.ticket, 0, this.now());
        },
        // A refusal wrote nothing: it is answered without waiting for the disk.
        (r) => r.ok,
      );
    } catch (err) {
      // A full disk is logged once by StorageHealth, not once per refused request.
      const full = this.storage.fullError(err);
      if (!full) this.deps.log.error({ err }, "an admission could not be written to disk");
      if (err instanceof NotDurableError && (err.result as AdmitResult).ok)
        this.release(
          (err.result as { admission: Admission }).admission,
          full ? "storage_full" : "storage_error",
          503,
        );
      throw full ?? new Error("The usage ledger could not be written to disk.", { cause: err });
    }
    if (result.ok) this.storage.wrote();
    else this.alertOnRefusal(req.memberId, result.rejection);
    return result;
  }

  /** An admission's reservation joins the in-memory sums (once its row is written). */
  private hold(a: Admission): void {
    this.book.bumpSpend(a.memberId, a.day, a.month, { settled: 0, reserved: a.reservedMicros });
    if (a.price.billing_mode === "member") this.book.bumpCredits(a.memberId, 0, a.reservedMicros);
  }

  private admitInTx(
    req: AdmitRequest,
    member: EffectiveLimits,
    org: EffectiveLimits,
    price: PriceDto,
  ): AdmitResult {
    const now = this.now();
    const memberKey = `m:${req.memberId}`;
    const headersNow = () => rateLimitHeaders(this.rate.window(memberKey, now), member, now);
    const reject = (rejection: Rejection) =>
      ({ ok: false, rejection, headers: headersNow() }) as const;

    const denied = modelRejection(req.model, member, org, req.categories);
    if (denied) return reject(denied);
    const worst = worstCase(req, member, org, price);
    const { reservedTokens } = worst;
    // The classifier's tokens are known before admission: their cost is held exactly.
    const routeMicros = req.route?.micros ?? 0;
    const reservedMicros = worst.reservedMicros + routeMicros;
    const windows = { member: this.rate.window(memberKey, now), org: this.rate.window(ORG, now) };
    const limited = rateRejection(member, org, windows, reservedTokens, now);
    if (limited) return reject(limited);
    const { day, month } = periodKeys(now, this.tz);
    const overBudget = budgetRejection({
      memberId: req.memberId,
      member,
      org,
      price,
      reservedMicros,
      book: this.book,
      day,
      month,
      windowEndMs: (w) => (w === "day" ? dayEndMs(now, this.tz) : monthEndMs(now, this.tz)) - now,
    });
    if (overBudget) return reject(overBudget);

    const attempt = req.attempt ?? 1;
    const usageId = `${req.requestId}:${attempt}`;
    this.deps.usage.reserve({
      id: usageId,
      requestId: req.requestId,
      attempt,
      memberId: req.memberId,
      keyId: req.keyId,
      endpoint: req.endpoint,
      requestedModel: req.model,
      billingMode: price.billing_mode,
      stream: req.stream,
      createdMs: now,
      day,
      month,
      reservedTokens,
      reservedMicros,
      route: req.route ?? null,
      guard: req.guard ?? null,
      sessionId: req.sessionId ?? null,
    });
    const ticket = this.rate.admit([memberKey, ORG], now, reservedTokens);
    const admission: Admission = {
      usageId,
      requestId: req.requestId,
      attempt,
      memberId: req.memberId,
      model: req.model,
      price,
      ...(worst.maxTokensCap !== undefined ? { maxTokensCap: worst.maxTokensCap } : {}),
      maxCompletionTokens: worst.maxCompletion,
      reservedTokens,
      reservedMicros,
      routeMicros,
      createdMs: now,
      day,
      month,
      headers: headersNow(),
      ticket,
      done: false,
    };
    return { ok: true, admission } as const;
  }

  /** A count_tokens request against the request limits only (freeRequests.ts). */
  meterFreeRequest(memberId: string): FreeRequestResult {
    const limits = { member: this.memberLimits(memberId), org: this.orgLimits() };
    return meterFreeRequest(this.rate, { member: `m:${memberId}`, org: ORG }, limits, this.now);
  }

  // ── settlement (settlements.ts) ──────────────────────────────────────────────────────

  /**
   * Records what a request really used and releases the rest of its reservation. Idempotent:
   * a second call for the same admission does nothing. Returns the cost in micro-dollars. On a
   * full disk the write is held in memory and made when space returns (see Settlements).
   */
  settle(a: Admission, s: SettleInput): number {
    return this.settlements.settle(a, s);
  }

  /** A pool's next attempt takes over the reservation (see Settlements.reattempt). */
  reattempt(a: Admission, f: AttemptFailure): Admission {
    return this.settlements.reattempt(a, f);
  }

  /** Frees a reservation whose request never reached a model (nothing was generated). */
  release(a: Admission, errorCode: string, httpStatus: number): void {
    this.settlements.release(a, errorCode, httpStatus);
  }

  /** Settlements and releases a full disk holds in memory until they can be written. */
  get heldWrites(): number {
    return this.settlements.heldCount;
  }

  /** Writes the held settlements now if the disk takes them (also done on every admission). */
  flushHeld(): void {
    this.settlements.flushHeld();
  }

  /**
   * Startup sweep: rows a crash left `reserved` are settled at their reserved worst case,
   * flagged estimated and orphaned — never silently at $0 (recovery.ts) — and the last minute of
   * admissions is loaded into the rate windows. Returns how many rows it settled.
   */
  recover(): number {
    const now = this.now();
    const settled = settleInterrupted(this.deps, now);
    this.book.clear();
    const recent = this.deps.usage.recent(now - WINDOW_MS);
    this.rate.seed(
      recent.flatMap((r) => [
        { key: `m:${r.memberId}`, ms: r.createdMs, tokens: r.tokens },
        { key: ORG, ms: r.createdMs, tokens: r.tokens },
      ]),
      now,
    );
    if (settled > 0)
      this.deps.log.warn({ rows: settled }, "settled reservations left by an interruption");
    return settled;
  }

  // ── credits and status ───────────────────────────────────────────────────────────────

  /** Adds credits (grant, top-up or adjustment). Call inside the caller's audit transaction. */
  addCredits(
    memberId: string,
    kind: "grant" | "topup" | "adjustment",
    amountMicros: number,
    actorId: string,
    note?: string,
  ): number {
    const id = this.deps.credits.add({ memberId, kind, amountMicros, actorId, note: note ?? null });
    // Dropped, not updated: the caller's transaction may still roll back; the next read reloads.
    this.book.forgetCredits(memberId);
    return id;
  }

  /** A member's credits: the ledger's balance and what in-flight member-paid requests hold. */
  creditsOf(memberId: string): { balance: number; reserved: number } {
    return this.book.credits(memberId);
  }

  /** Live counters for a member (or the org with `null`), for the management API and tests. */
  status(memberId: string | null) {
    const now = this.now();
    const w = this.rate.window(memberId === null ? ORG : `m:${memberId}`, now);
    const { day, month } = periodKeys(now, this.tz);
    const today = this.book.spend(memberId, "day", day);
    const thisMonth = this.book.spend(memberId, "month", month);
    return {
      in_flight: w.inFlight,
      peak_in_flight: w.peakInFlight,
      requests_last_minute: w.requests,
      tokens_last_minute: w.tokens,
      day,
      month,
      spend_today_micros: today.settled,
      reserved_today_micros: today.reserved,
      spend_month_micros: thisMonth.settled,
      reserved_month_micros: thisMonth.reserved,
    };
  }

  // ── internals ────────────────────────────────────────────────────────────────────────

  /**
   * Runs a settlement or release commit without its own fsync (`synchronous=NORMAL`; the
   * connection is FULL otherwise). Admissions are durable before they are acted on (their own
   * fsync, or a shared one): a row the client saw acknowledged survives power loss. A
   * settlement lost to power loss (never to a process crash: the WAL is written before the
   * commit returns) leaves its row `reserved`, and the startup sweep settles it at the reserved
   * worst case, flagged — money is never lost, at worst overstated and marked. The next fsync of
   * the WAL (an admission's) makes earlier settlements durable too.
   */
  private relaxed<T>(commit: () => T): T {
    return this.durability.relaxed(commit);
  }

  /**
   * Raises (once per period) the alert saying a cap or the credits now refuse requests. On a full
   * disk it is skipped (the refusal is answered all the same); the next refusal raises it.
   */
  private alertOnRefusal(memberId: string, r: Rejection): void {
    if (r.kind !== "budget" && r.kind !== "credits") return;
    const { day, month } = periodKeys(this.now(), this.tz);
    let raised: ReturnType<AlertRules["refused"]>;
    try {
      raised = this.relaxed(() =>
        this.deps.db
          .transaction(() => this.alertRules.refused(memberId, r, day, month))
          .immediate(),
      );
    } catch (err) {
      if (this.storage.fullError(err)) return;
      throw err;
    }
    const { alerts, alertKeys } = raised;
    this.alertRules.remember(alertKeys);
    for (const alert of alerts) this.emit({ type: "alert", alert });
  }

  private emit(event: LedgerEvent): void {
    try {
      this.deps.onEvent?.(event);
    } catch (err) {
      this.deps.log.warn({ err }, "ledger event listener failed");
    }
  }
}
