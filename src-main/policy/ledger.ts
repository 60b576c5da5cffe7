import type { Logger } from "pino";
import {
  FREE_PRICE,
  NO_LIMITS,
  type EffectiveLimits,
  type LimitsDto,
  type PriceDto,
} from "../contract/limits.js";
import type { AlertsRepo, Alert } from "../store/alertsRepo.js";
import type { CreditsRepo } from "../store/creditsRepo.js";
import type { Db } from "../store/db.js";
import type { LimitsRepo } from "../store/limitsRepo.js";
import type { SettingsRepo } from "../store/settingsRepo.js";
import type { Outcome, UsageRepo, UsageSource, WindowSpend } from "../store/usageRepo.js";
import { dayEndMs, monthEndMs, periodKeys, systemTimeZone } from "./periods.js";
import { costMicros } from "./pricing.js";
import { RateWindows, WINDOW_MS, type RateTicket } from "./rateWindows.js";
import { rateLimitHeaders } from "./rateLimitHeaders.js";

export type Endpoint = "chat.completions" | "completions" | "embeddings" | "messages";

/** What admission needs to know about a request before it is dispatched. */
export interface AdmitRequest {
  requestId: string;
  /** 1 for the first attempt; failover attempts (pools) count up. */
  attempt?: number;
  memberId: string;
  keyId: string | null;
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  /** An upper bound on the prompt's tokens (exact counts are settled later). */
  promptTokens: number;
  /** The client's max_tokens, if it sent one. */
  maxTokens?: number;
  /** The most prompt + completion tokens the model can process (its context). */
  contextTokens: number;
  /** False for embeddings: no completion tokens. */
  completion: boolean;
}

/** Why a request was not admitted. The gateway turns each into the matching HTTP error. */
export type Rejection =
  | { kind: "model_not_allowed"; scope: "member" | "org" }
  | {
      kind: "requests" | "tokens" | "concurrency";
      scope: "member" | "org";
      limit: number;
      retryAfterMs: number;
      /** The request alone exceeds the limit: retrying cannot help. */
      never?: boolean;
    }
  | {
      kind: "budget";
      scope: "member" | "org";
      window: "day" | "month";
      capMicros: number;
      spentMicros: number;
      neededMicros: number;
      retryAfterMs: number;
    }
  | { kind: "credits"; availableMicros: number; neededMicros: number };

/** An admitted request: its reservation, until `settle` or `release`. */
export interface Admission {
  readonly usageId: string;
  readonly requestId: string;
  readonly memberId: string;
  readonly model: string;
  readonly price: PriceDto;
  /** The member's max_tokens limit, for the provider to apply (absent: none). */
  readonly maxTokensCap?: number;
  /** Worst-case completion tokens reserved. */
  readonly maxCompletionTokens: number;
  readonly reservedTokens: number;
  readonly reservedMicros: number;
  readonly createdMs: number;
  readonly day: string;
  readonly month: string;
  /** `x-ratelimit-*` headers as of admission. */
  readonly headers: Record<string, string>;
  readonly ticket: RateTicket;
  done: boolean;
}

/** What a finished request reports. Token counts `null` when unknown (crash recovery). */
export interface SettleInput {
  servedModel: string | null;
  provider: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  source: UsageSource;
  estimated: boolean;
  outcome: Outcome;
  errorCode?: string | null;
  httpStatus?: number | null;
  ttftMs?: number | null;
}

export type LedgerEvent =
  | { type: "alert"; alert: Alert }
  | { type: "usage"; usageId: string; memberId: string; model: string; costMicros: number };

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
}

const ORG = "org";
const TZ_SETTING = "org.time_zone";
const ALERT_THRESHOLDS = [80, 100] as const;

/**
 * Admission and settlement: the one place that decides whether a request may run and what it
 * cost. `admit` checks every limit and writes the `reserved` usage row in one synchronous
 * SQLite transaction — nothing awaits between check and write, so concurrent requests cannot
 * slip past a budget. Window spend and credits are cached in memory as sums of the ledger
 * (loaded from it on first use, updated only after a commit) and rebuilt from it at startup.
 */
export class Ledger {
  private readonly now: () => number;
  private readonly rate = new RateWindows();
  private readonly spendCache = new Map<string, WindowSpend>();
  private readonly creditCache = new Map<string, { balance: number; reserved: number }>();
  private readonly raised = new Set<string>();
  private readonly admitTx;
  private readonly settleTx;
  private readonly releaseTx;
  private tz: string;

  constructor(private readonly deps: LedgerDeps) {
    this.now = deps.now ?? Date.now;
    this.tz = deps.settings.get<string>(TZ_SETTING) ?? systemTimeZone();
    this.admitTx = deps.db.transaction((req: AdmitRequest) => this.admitInTx(req));
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

  price(model: string): PriceDto {
    return this.deps.limits.price(model) ?? FREE_PRICE(model);
  }

  // ── admission ────────────────────────────────────────────────────────────────────────

  admit(
    req: AdmitRequest,
  ):
    | { ok: true; admission: Admission }
    | { ok: false; rejection: Rejection; headers: Record<string, string> } {
    const result = this.admitTx.immediate(req);
    if (!result.ok) return result;
    // Committed: only now do the in-memory sums move.
    const a = result.admission;
    this.bumpSpend(a.memberId, a.day, a.month, { settled: 0, reserved: a.reservedMicros });
    if (a.price.billing_mode === "member") this.bumpCredits(a.memberId, 0, a.reservedMicros);
    return result;
  }

  private admitInTx(
    req: AdmitRequest,
  ):
    | { ok: true; admission: Admission }
    | { ok: false; rejection: Rejection; headers: Record<string, string> } {
    const now = this.now();
    const member = this.memberLimits(req.memberId);
    const org = this.orgLimits();
    const memberKey = `m:${req.memberId}`;
    const headersNow = () => rateLimitHeaders(this.rate.window(memberKey, now), member, now);
    const reject = (rejection: Rejection) =>
      ({ ok: false, rejection, headers: headersNow() }) as const;

    if (member.allowed_models && !member.allowed_models.includes(req.model))
      return reject({ kind: "model_not_allowed", scope: "member" });
    if (org.allowed_models && !org.allowed_models.includes(req.model))
      return reject({ kind: "model_not_allowed", scope: "org" });

    // Worst case: the prompt bound plus the most the completion may produce.
    const caps = [req.maxTokens, member.max_tokens, org.max_tokens].filter(
      (n): n is number => typeof n === "number",
    );
    const maxTokensCap = [member.max_tokens, org.max_tokens]
      .filter((n): n is number => typeof n === "number")
      .reduce((a, b) => Math.min(a, b), Infinity);
    const maxCompletion = req.completion ? Math.min(req.contextTokens, ...caps) : 0;
    const promptTokens = Math.min(req.promptTokens, req.contextTokens);
    const reservedTokens = promptTokens + maxCompletion;
    const price = this.price(req.model);
    const reservedMicros = costMicros(price, promptTokens, maxCompletion);

    // Rate limits, member then org.
    for (const [scope, limits, key] of [
      ["member", member, memberKey],
      ["org", org, ORG],
    ] as const) {
      const w = this.rate.window(key, now);
      if (limits.max_concurrent !== null && w.inFlight >= limits.max_concurrent)
        return reject({
          kind: "concurrency",
          scope,
          limit: limits.max_concurrent,
          retryAfterMs: 1000,
        });
      if (limits.rpm !== null && w.requests >= limits.rpm)
        return reject({
          kind: "requests",
          scope,
          limit: limits.rpm,
          retryAfterMs: w.oldestLeavesInMs(now),
        });
      if (limits.tpm !== null && w.tokens + reservedTokens > limits.tpm)
        return reject({
          kind: "tokens",
          scope,
          limit: limits.tpm,
          retryAfterMs: w.tokensFreeInMs(now, reservedTokens, limits.tpm),
          never: reservedTokens > limits.tpm,
        });
    }

    // Budgets: spent + held + this request's worst case must fit every cap. Free requests
    // (local models priced at 0) pass whatever the spend: only rate limits apply to them.
    const { day, month } = periodKeys(now, this.tz);
    if (reservedMicros > 0) {
      const windows = [
        ["member", "day", member.daily_cap_micros, req.memberId, day],
        ["member", "month", member.monthly_cap_micros, req.memberId, month],
        ["org", "day", org.daily_cap_micros, null, day],
        ["org", "month", org.monthly_cap_micros, null, month],
      ] as const;
      for (const [scope, window, capMicros, memberId, key] of windows) {
        if (capMicros === null) continue;
        const s = this.spend(memberId, window, key);
        const spent = s.settled + s.reserved;
        if (spent + reservedMicros > capMicros) {
          const end = window === "day" ? dayEndMs(now, this.tz) : monthEndMs(now, this.tz);
          return reject({
            kind: "budget",
            scope,
            window,
            capMicros,
            spentMicros: spent,
            neededMicros: reservedMicros,
            retryAfterMs: end - now,
          });
        }
      }
      if (price.billing_mode === "member") {
        const c = this.creditsOf(req.memberId);
        const available = c.balance - c.reserved;
        if (available < reservedMicros)
          return reject({
            kind: "credits",
            availableMicros: available,
            neededMicros: reservedMicros,
          });
      }
    }

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
    });
    const ticket = this.rate.admit([memberKey, ORG], now, reservedTokens);
    const admission: Admission = {
      usageId,
      requestId: req.requestId,
      memberId: req.memberId,
      model: req.model,
      price,
      ...(Number.isFinite(maxTokensCap) ? { maxTokensCap } : {}),
      maxCompletionTokens: maxCompletion,
      reservedTokens,
      reservedMicros,
      createdMs: now,
      day,
      month,
      headers: headersNow(),
      ticket,
      done: false,
    };
    return { ok: true, admission } as const;
  }

  // ── settlement ───────────────────────────────────────────────────────────────────────

  /**
   * Records what a request really used and releases the rest of its reservation. Idempotent:
   * a second call for the same admission does nothing. Returns the cost in micro-dollars.
   */
  settle(a: Admission, s: SettleInput): number {
    if (a.done) return 0;
    const now = this.now();
    // Load the window sums before the transaction, so the alert check inside it sees the spend
    // without this settlement (the cache moves only after commit).
    this.spend(a.memberId, "day", a.day);
    this.spend(a.memberId, "month", a.month);
    this.spend(null, "day", a.day);
    this.spend(null, "month", a.month);
    const { cost, alerts, alertKeys } = this.settleTx.immediate(a, s, now);
    a.done = true;
    for (const key of alertKeys) this.raised.add(key);
    this.rate.finish(a.ticket, s.promptTokens + s.completionTokens, now);
    this.bumpSpend(a.memberId, a.day, a.month, { settled: cost, reserved: -a.reservedMicros });
    if (a.price.billing_mode === "member") this.bumpCredits(a.memberId, -cost, -a.reservedMicros);
    this.deps.log.info(
      {
        requestId: a.requestId,
        memberId: a.memberId,
        model: a.model,
        outcome: s.outcome,
        promptTokens: s.promptTokens,
        completionTokens: s.completionTokens,
        cachedTokens: s.cachedTokens,
        source: s.source,
        costMicros: cost,
        ms: now - a.createdMs,
      },
      "request settled",
    );
    for (const alert of alerts) this.emit({ type: "alert", alert });
    this.emit({
      type: "usage",
      usageId: a.usageId,
      memberId: a.memberId,
      model: a.model,
      costMicros: cost,
    });
    return cost;
  }

  private settleInTx(
    a: Admission,
    s: SettleInput,
    now: number,
  ): { cost: number; alerts: Alert[]; alertKeys: string[] } {
    const cost = costMicros(a.price, s.promptTokens, s.completionTokens);
    const changed = this.deps.usage.settle(a.usageId, {
      servedModel: s.servedModel,
      provider: s.provider,
      promptTokens: s.promptTokens,
      completionTokens: s.completionTokens,
      cachedTokens: s.cachedTokens,
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
    return { cost, ...this.checkAlerts(a.memberId, a.day, a.month, cost) };
  }

  /** Frees a reservation whose request never reached a model (nothing was generated). */
  release(a: Admission, errorCode: string, httpStatus: number): void {
    if (a.done) return;
    const now = this.now();
    this.releaseTx.immediate(a, errorCode, httpStatus, now);
    a.done = true;
    this.rate.finish(a.ticket, 0, now);
    this.bumpSpend(a.memberId, a.day, a.month, { settled: 0, reserved: -a.reservedMicros });
    if (a.price.billing_mode === "member") this.bumpCredits(a.memberId, 0, -a.reservedMicros);
  }

  /**
   * Startup sweep: rows a crash left `reserved` are settled at their reserved worst case,
   * flagged estimated and orphaned — never silently at $0 — and the last minute of admissions
   * is loaded into the rate windows. Returns how many rows it settled.
   */
  recover(): number {
    const now = this.now();
    const rows = this.deps.usage.reserved();
    this.deps.db
      .transaction(() => {
        for (const r of rows) {
          this.deps.usage.settle(r.id, {
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
            this.deps.credits.add({
              memberId: r.memberId,
              kind: "debit",
              amountMicros: -r.reservedMicros,
              usageId: r.id,
              note: "settled at the reserved maximum after an interruption",
            });
        }
      })
      .immediate();
    this.spendCache.clear();
    this.creditCache.clear();
    const recent = this.deps.usage.recent(now - WINDOW_MS);
    this.rate.seed(
      recent.flatMap((r) => [
        { key: `m:${r.memberId}`, ms: r.createdMs, tokens: r.tokens },
        { key: ORG, ms: r.createdMs, tokens: r.tokens },
      ]),
      now,
    );
    if (rows.length > 0)
      this.deps.log.warn({ rows: rows.length }, "settled reservations left by an interruption");
    return rows.length;
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
    this.creditCache.delete(memberId);
    return id;
  }

  creditsOf(memberId: string): { balance: number; reserved: number } {
    let c = this.creditCache.get(memberId);
    if (!c) {
      c = {
        balance: this.deps.credits.balance(memberId),
        reserved: this.deps.credits.reserved(memberId),
      };
      this.creditCache.set(memberId, c);
    }
    return c;
  }

  /** Live counters for a member (or the org with `null`), for the management API and tests. */
  status(memberId: string | null) {
    const now = this.now();
    const w = this.rate.window(memberId === null ? ORG : `m:${memberId}`, now);
    const { day, month } = periodKeys(now, this.tz);
    const today = this.spend(memberId, "day", day);
    const thisMonth = this.spend(memberId, "month", month);
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

  private spend(memberId: string | null, window: "day" | "month", key: string): WindowSpend {
    const cacheKey = `${memberId ?? ORG}|${window}|${key}`;
    let s = this.spendCache.get(cacheKey);
    if (!s) {
      if (this.spendCache.size > 50_000) this.spendCache.clear(); // old periods; reloaded on use
      s = { ...this.deps.usage.spend(memberId, window, key) };
      this.spendCache.set(cacheKey, s);
    }
    return s;
  }

  private bumpSpend(memberId: string, day: string, month: string, d: WindowSpend): void {
    for (const [m, w, k] of [
      [memberId, "day", day],
      [memberId, "month", month],
      [null, "day", day],
      [null, "month", month],
    ] as const) {
      const s = this.spendCache.get(`${m ?? ORG}|${w}|${k}`);
      if (s) {
        s.settled += d.settled;
        s.reserved += d.reserved;
      }
    }
  }

  private bumpCredits(memberId: string, balance: number, reserved: number): void {
    const c = this.creditCache.get(memberId);
    if (c) {
      c.balance += balance;
      c.reserved += reserved;
    }
  }

  /** Raises 80% and 100% alerts for every cap this settlement's spend crossed. */
  private checkAlerts(
    memberId: string,
    day: string,
    month: string,
    cost: number,
  ): { alerts: Alert[]; alertKeys: string[] } {
    const alerts: Alert[] = [];
    const alertKeys: string[] = [];
    if (cost === 0) return { alerts, alertKeys };
    const member = this.memberLimits(memberId);
    const org = this.orgLimits();
    for (const [scope, kind, cap, period] of [
      [memberId, "daily_cap", member.daily_cap_micros, day],
      [memberId, "monthly_cap", member.monthly_cap_micros, month],
      [null, "daily_cap", org.daily_cap_micros, day],
      [null, "monthly_cap", org.monthly_cap_micros, month],
    ] as const) {
      if (cap === null) continue;
      const cached = this.spend(scope, kind === "daily_cap" ? "day" : "month", period);
      // The cache moves after commit; inside this transaction add this settlement's cost.
      const spent = cached.settled + cost;
      for (const pct of ALERT_THRESHOLDS) {
        const key = `${scope ?? ORG}|${kind}|${pct}|${period}`;
        if (this.raised.has(key) || spent * 100 < cap * pct) continue;
        const alert = this.deps.alerts.raise({
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

  private emit(event: LedgerEvent): void {
    try {
      this.deps.onEvent?.(event);
    } catch (err) {
      this.deps.log.warn({ err }, "ledger event listener failed");
    }
  }
}
