import type { Db } from "./db.js";

/** A retained request and its answer, as stored: both sealed by the SecretCipher. */
export interface SealedBody {
  usageId: string;
  requestId: string;
  memberId: string;
  createdMs: number;
  /** The retention sweep deletes the row from this instant on. */
  expiresMs: number;
  request: Buffer;
  response: Buffer;
  /** Plaintext sizes in UTF-8 bytes. */
  requestBytes: number;
  responseBytes: number;
}

interface Raw {
  usage_id: string;
  request_id: string;
  member_id: string;
  created_ms: number;
  expires_ms: number;
  request: Buffer;
  response: Buffer;
  request_bytes: number;
  response_bytes: number;
}

/** Rows per delete transaction of the sweep: each batch holds the write lock only briefly. */
const BATCH = 2000;

/**
 * `request_bodies`: optional body retention (off by default). One row per usage row at most; a
 * row goes with its usage row (ON DELETE CASCADE) or when it expires (`deleteExpired`). This
 * repository never sees plaintext: sealing and opening are the caller's (audit/bodyRetention.ts).
 */
export class RequestBodiesRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly expiredStmt;

  constructor(private readonly db: Db) {
    // A usage row's body is written once; a second write (never expected) keeps the first.
    this.insertStmt = db.prepare(
      `INSERT INTO request_bodies (usage_id, request_id, member_id, created_ms, expires_ms,
         request, response, request_bytes, response_bytes)
       VALUES (@usageId, @requestId, @memberId, @createdMs, @expiresMs, @request, @response,
         @requestBytes, @responseBytes)
       ON CONFLICT (usage_id) DO NOTHING`,
    );
    this.getStmt = db.prepare<[string], Raw>("SELECT * FROM request_bodies WHERE usage_id = ?");
    this.expiredStmt = db.prepare<[number, number]>(
      `DELETE FROM request_bodies WHERE rowid IN (
         SELECT rowid FROM request_bodies WHERE expires_ms <= ? LIMIT ?)`,
    );
  }

  /** Stores a sealed body; false when the usage row already had one. */
  insert(b: SealedBody): boolean {
    return this.insertStmt.run(b).changes === 1;
  }

  get(usageId: string): SealedBody | undefined {
    const r = this.getStmt.get(usageId);
    if (!r) return undefined;
    return {
      usageId: r.usage_id,
      requestId: r.request_id,
      memberId: r.member_id,
      createdMs: r.created_ms,
      expiresMs: r.expires_ms,
      request: r.request,
      response: r.response,
      requestBytes: r.request_bytes,
      responseBytes: r.response_bytes,
    };
  }

  /** Deletes every body expired at `nowMs`, in batches. Returns how many went. */
  deleteExpired(nowMs: number): number {
    let deleted = 0;
    // Bounded: every full batch deleted BATCH rows, and the table is finite.
    for (;;) {
      const n = this.db.transaction(() => this.expiredStmt.run(nowMs, BATCH).changes)();
      deleted += n;
      if (n < BATCH) return deleted;
    }
  }
}
