import type { Db } from "./db.js";

export type CreditKind = "grant" | "topup" | "debit" | "adjustment";

export interface CreditEntry {
  id: number;
  memberId: string;
  kind: CreditKind;
  amountMicros: number;
  usageId: string | null;
  actorId: string | null;
  note: string | null;
  createdMs: number;
}

/**
 * Member credits as an append-only ledger: grants and top-ups by admins (positive), debits by
 * member-paid usage (negative). A balance is always a sum over the ledger.
 */
export class CreditsRepo {
  private readonly insert;
  private readonly balanceStmt;
  private readonly reservedStmt;
  private readonly entriesStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      `INSERT INTO credit_ledger (member_id, kind, amount_micros, usage_id, actor_id, note, created_ms)
       VALUES (@memberId, @kind, @amountMicros, @usageId, @actorId, @note, @now)`,
    );
    this.balanceStmt = db.prepare<[string], { balance: number }>(
      "SELECT ifnull(sum(amount_micros), 0) AS balance FROM credit_ledger WHERE member_id = ?",
    );
    this.reservedStmt = db.prepare<[string], { reserved: number }>(
      `SELECT ifnull(sum(reserved_micros), 0) AS reserved FROM usage
       WHERE state = 'reserved' AND billing_mode = 'member' AND member_id = ?`,
    );
    this.entriesStmt = db.prepare<[string, number], Record<string, unknown>>(
      `SELECT id, member_id AS memberId, kind, amount_micros AS amountMicros, usage_id AS usageId,
         actor_id AS actorId, note, created_ms AS createdMs
       FROM credit_ledger WHERE member_id = ? ORDER BY id DESC LIMIT ?`,
    );
  }

  add(e: {
    memberId: string;
    kind: CreditKind;
    amountMicros: number;
    usageId?: string | null;
    actorId?: string | null;
    note?: string | null;
  }): number {
    return Number(
      this.insert.run({
        usageId: null,
        actorId: null,
        note: null,
        ...e,
        now: this.now(),
      }).lastInsertRowid,
    );
  }

  balance(memberId: string): number {
    return this.balanceStmt.get(memberId)!.balance;
  }

  /** Credits held by member-paid requests in flight. */
  reserved(memberId: string): number {
    return this.reservedStmt.get(memberId)!.reserved;
  }

  /** Newest first. */
  entries(memberId: string, limit = 100): CreditEntry[] {
    return this.entriesStmt.all(memberId, limit) as unknown as CreditEntry[];
  }
}
