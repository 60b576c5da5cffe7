import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";

export type AlertKind = "daily_cap" | "monthly_cap" | "credits";

export interface Alert {
  id: string;
  memberId: string | null;
  kind: AlertKind;
  thresholdPct: number;
  period: string;
  capMicros: number;
  spentMicros: number;
  createdMs: number;
}

/** Spend alerts. Each (scope, kind, threshold, period) is raised at most once. */
export class AlertsRepo {
  private readonly insert;
  private readonly listStmt;
  private readonly listMemberStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO alerts (id, member_id, kind, threshold_pct, period, cap_micros,
         spent_micros, created_ms)
       VALUES (@id, @memberId, @kind, @thresholdPct, @period, @capMicros, @spentMicros, @createdMs)`,
    );
    const cols = `id, member_id AS memberId, kind, threshold_pct AS thresholdPct, period,
      cap_micros AS capMicros, spent_micros AS spentMicros, created_ms AS createdMs`;
    this.listStmt = db.prepare<[number], Alert>(
      `SELECT ${cols} FROM alerts ORDER BY created_ms DESC, id LIMIT ?`,
    );
    this.listMemberStmt = db.prepare<[string, number], Alert>(
      `SELECT ${cols} FROM alerts WHERE member_id = ? ORDER BY created_ms DESC, id LIMIT ?`,
    );
  }

  /** Raises an alert unless it was raised before; returns it when new. */
  raise(a: Omit<Alert, "id" | "createdMs">): Alert | undefined {
    const alert: Alert = {
      ...a,
      id: `alrt_${randomBytes(8).toString("hex")}`,
      createdMs: this.now(),
    };
    return this.insert.run(alert).changes === 1 ? alert : undefined;
  }

  /** Newest first; all of them, or one member's. */
  list(opts: { memberId?: string; limit?: number } = {}): Alert[] {
    const limit = opts.limit ?? 200;
    return opts.memberId ? this.listMemberStmt.all(opts.memberId, limit) : this.listStmt.all(limit);
  }
}
