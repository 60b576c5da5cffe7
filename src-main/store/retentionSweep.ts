import type { Logger } from "pino";
import type { Db } from "./db.js";
import { RequestBodiesRepo } from "./requestBodiesRepo.js";
import { ResponsesRepo } from "./responsesRepo.js";

const DAY_MS = 86_400_000;

export interface UsageSweepWindow {
  /** Rows admitted before this instant may go. */
  cutoffMs: number;
  /**
   * The org's current month, "YYYY-MM": its rows stay whatever their age, so the monthly budget
   * sums (and today's) never lose a request that counts against them.
   */
  currentMonth: string;
}

export interface UsageSweepResult {
  /** Usage rows deleted. */
  deleted: number;
  /** Old rows kept because a credit debit points at them (the debit's receipt). */
  keptForCredits: number;
}

/** Rows per delete transaction: each batch holds the write lock only briefly. */
const BATCH = 2000;

/**
 * Data retention for the request log: deletes `usage` rows admitted before `cutoffMs`, except
 * rows of the current month, rows still `reserved` (a request in flight) and rows that a
 * `credit_ledger` debit references — credits are money, and the ledger is never edited, so its
 * receipts stay. The audit log is never touched. Deletes in batches, each its own transaction.
 */
export function sweepUsage(db: Db, w: UsageSweepWindow): UsageSweepResult {
  const eligible = `created_ms < @cutoffMs AND month < @currentMonth AND state <> 'reserved'`;
  const debited = `SELECT usage_id FROM credit_ledger WHERE usage_id IS NOT NULL`;
  const batch = db.prepare<UsageSweepWindow & { limit: number }>(
    `DELETE FROM usage WHERE rowid IN (
       SELECT rowid FROM usage WHERE ${eligible} AND id NOT IN (${debited}) LIMIT @limit)`,
  );
  let deleted = 0;
  // Bounded: every full batch deleted BATCH rows, and the table is finite.
  for (;;) {
    const n = db.transaction(() => batch.run({ ...w, limit: BATCH }).changes)();
    deleted += n;
    if (n < BATCH) break;
  }
  const kept = db
    .prepare<UsageSweepWindow, { n: number }>(
      `SELECT count(*) AS n FROM usage WHERE ${eligible} AND id IN (${debited})`,
    )
    .get(w)!.n;
  return { deleted, keptForCredits: kept };
}

export interface RetentionSweeperOptions {
  db: Db;
  /** Days of usage to keep; `null` keeps everything. Read at every sweep. */
  retentionDays: () => number | null;
  /** The org's month ("YYYY-MM") at an instant, in its time zone. */
  monthOf: (ms: number) => string;
  /** Defaults to `Date.now`; tests pass a fake clock. */
  now?: () => number;
  log?: Logger;
  /** Milliseconds between sweeps. Defaults to one hour. */
  intervalMs?: number;
}

/**
 * Runs `sweepUsage` now and then every `intervalMs`, with the cutoff `retentionDays` before now.
 * Every run also deletes retained request bodies and stored responses past their expiry, whatever
 * the usage retention (a body goes with its usage row too: ON DELETE CASCADE).
 */
export class RetentionSweeper {
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;
  private bodies?: RequestBodiesRepo;
  private responses?: ResponsesRepo;

  constructor(private readonly opts: RetentionSweeperOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Deletes the request bodies expired now. Returns how many went. */
  sweepBodies(): number {
    if (!this.opts.db.open) return 0;
    this.bodies ??= new RequestBodiesRepo(this.opts.db);
    const deleted = this.bodies.deleteExpired(this.now());
    if (deleted > 0) this.opts.log?.info({ bodies: deleted }, "expired request bodies deleted");
    return deleted;
  }

  /** Deletes the stored Responses API responses expired now (responses.ttlDays). */
  sweepResponses(): number {
    if (!this.opts.db.open) return 0;
    this.responses ??= new ResponsesRepo(this.opts.db);
    const deleted = this.responses.deleteExpired(this.now());
    if (deleted > 0)
      this.opts.log?.info({ responses: deleted }, "expired stored responses deleted");
    return deleted;
  }

  /**
   * One sweep at the current setting: expired bodies and stored responses, then usage rows;
   * `null` when usage retention is off (keep forever).
   */
  sweepNow(): UsageSweepResult | null {
    this.sweepBodies();
    this.sweepResponses();
    const days = this.opts.retentionDays();
    if (days === null || !this.opts.db.open) return null;
    const now = this.now();
    const result = sweepUsage(this.opts.db, {
      cutoffMs: now - days * DAY_MS,
      currentMonth: this.opts.monthOf(now),
    });
    if (result.deleted > 0)
      this.opts.log?.info({ retentionDays: days, ...result }, "usage retention sweep");
    return result;
  }

  start(): void {
    if (this.timer) return;
    const run = () => {
      try {
        this.sweepNow();
      } catch (err) {
        this.opts.log?.warn({ err }, "usage retention sweep failed");
      }
    };
    run();
    this.timer = setInterval(run, this.opts.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
