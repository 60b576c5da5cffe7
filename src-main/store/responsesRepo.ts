import type { Db } from "./db.js";

/** A stored response as kept: its content sealed by the SecretCipher (the caller seals). */
export interface SealedResponse {
  id: string;
  memberId: string;
  createdMs: number;
  /** The retention sweep deletes the row from this instant on. */
  expiresMs: number;
  /** Plaintext size in UTF-8 bytes (what the per-member bound counts). */
  bytes: number;
  sealed: Buffer;
}

/** Rows per delete transaction of the sweep: each batch holds the write lock only briefly. */
const BATCH = 2000;

/**
 * `stored_responses`: Responses API responses kept for `previous_response_id` and
 * `GET /v1/responses/{id}`. Every read and delete takes the author's member id, so no caller can
 * reach another member's response by id. This repository never sees plaintext
 * (server/responses/responseStore.ts seals and opens).
 */
export class ResponsesRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare<SealedResponse>(
        `INSERT INTO stored_responses (id, member_id, created_ms, expires_ms, bytes, sealed)
         VALUES (@id, @memberId, @createdMs, @expiresMs, @bytes, @sealed)`,
      ),
      get: db.prepare<[string, string, number], { sealed: Buffer }>(
        `SELECT sealed FROM stored_responses WHERE id = ? AND member_id = ? AND expires_ms > ?`,
      ),
      delete: db.prepare<[string, string]>(
        `DELETE FROM stored_responses WHERE id = ? AND member_id = ?`,
      ),
      bytes: db.prepare<[string], { n: number }>(
        `SELECT coalesce(sum(bytes), 0) AS n FROM stored_responses WHERE member_id = ?`,
      ),
      oldest: db.prepare<[string], { id: string; bytes: number }>(
        `SELECT id, bytes FROM stored_responses WHERE member_id = ?
          ORDER BY created_ms, id LIMIT 64`,
      ),
      expired: db.prepare<[number, number]>(
        `DELETE FROM stored_responses WHERE rowid IN (
           SELECT rowid FROM stored_responses WHERE expires_ms <= ? LIMIT ?)`,
      ),
    };
  }

  /**
   * Stores `r`, first deleting the member's oldest responses until their total plus this one
   * fits `maxBytes`; one transaction, so two requests cannot both pass the bound. Returns false
   * (nothing stored or deleted) when this response alone is larger than the bound.
   */
  insertBounded(r: SealedResponse, maxBytes: number): boolean {
    if (r.bytes > maxBytes) return false;
    return this.db.transaction(() => {
      let total = this.s.bytes.get(r.memberId)!.n;
      while (total + r.bytes > maxBytes) {
        const rows = this.s.oldest.all(r.memberId);
        if (rows.length === 0) break;
        for (const row of rows) {
          if (total + r.bytes <= maxBytes) break;
          this.s.delete.run(row.id, r.memberId);
          total -= row.bytes;
        }
      }
      this.s.insert.run(r);
      return true;
    })();
  }

  /** The sealed content of the member's response `id`, unless it is missing or expired. */
  get(id: string, memberId: string, nowMs: number): Buffer | undefined {
    return this.s.get.get(id, memberId, nowMs)?.sealed;
  }

  /** Deletes the member's response `id`; false when they have none by that id. */
  delete(id: string, memberId: string): boolean {
    return this.s.delete.run(id, memberId).changes > 0;
  }

  /** Bytes of responses the member keeps now. */
  storedBytes(memberId: string): number {
    return this.s.bytes.get(memberId)!.n;
  }

  /** Deletes the responses expired at `nowMs`, in batches. Returns how many went. */
  deleteExpired(nowMs: number): number {
    let deleted = 0;
    // Bounded: every full batch deleted BATCH rows, and the table is finite.
    for (;;) {
      const n = this.db.transaction(() => this.s.expired.run(nowMs, BATCH).changes)();
      deleted += n;
      if (n < BATCH) return deleted;
    }
  }
}
