import { createHash } from "node:crypto";
import type { Db } from "./db.js";

/** Who did it: a member and the role they acted in (`null` for the system itself). */
export interface AuditActor {
  id: string;
  role: string;
}

export interface AuditEntry {
  seq: number;
  tsMs: number;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Rows walked. */
  rows: number;
  /** The first row whose hash or link does not match; `null` when the chain verifies. */
  firstBadSeq: number | null;
}

interface Raw {
  seq: number;
  ts_ms: number;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

/** `prev_hash` of the first row. */
export const GENESIS_HASH = "0".repeat(64);

/** Benchtop API keys anywhere in a string (see policy/apiKeys.ts: btk_ + 38 base62). */
const KEY_IN_TEXT = /btk_[0-9A-Za-z]{38}/g;
/** Field names whose values are secrets or their hashes: dropped from audit rows entirely. */
const SECRET_FIELDS = new Set(["key", "plain", "hash", "token", "secret", "password"]);

/**
 * The admin audit trail: append-only (triggers in migration 3 abort UPDATE and DELETE) and
 * hash-chained, so a row edited or removed behind the triggers' back (e.g. with them dropped)
 * is found by `verify()`. Each row's hash is sha256(prev_hash + canonical JSON of the row).
 * Limitation: removing the newest rows leaves a valid shorter chain; export the last hash to
 * detect that.
 */
export class AuditRepo {
  private readonly insert;
  private readonly last;
  private readonly page;
  private readonly all;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (seq, ts_ms, actor_id, actor_role, action, target_type, target_id,
         before_json, after_json, prev_hash, hash)
       VALUES (@seq, @ts_ms, @actor_id, @actor_role, @action, @target_type, @target_id,
         @before_json, @after_json, @prev_hash, @hash)`,
    );
    this.last = db.prepare<[], { seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
    );
    this.page = db.prepare<[number, number], Raw>(
      "SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?",
    );
    this.all = db.prepare<[], Raw>("SELECT * FROM audit_log ORDER BY seq");
  }

  /**
   * Appends one row. Must run inside the transaction of the mutation it records (it throws
   * otherwise), so a mutation and its audit row commit or roll back together. `before` and
   * `after` are masked: secret fields are dropped and keys in text become `btk_AbCd…wxyz`.
   */
  append(
    actor: AuditActor | null,
    action: string,
    targetType: string,
    targetId: string | null,
    before: unknown,
    after: unknown,
  ): AuditEntry {
    if (!this.db.inTransaction)
      throw new Error("audit rows are written inside the mutation's transaction");
    const prev = this.last.get();
    const row: Omit<Raw, "hash"> = {
      seq: (prev?.seq ?? 0) + 1,
      ts_ms: this.now(),
      actor_id: actor?.id ?? null,
      actor_role: actor?.role ?? null,
      action,
      target_type: targetType,
      target_id: targetId,
      before_json: before == null ? null : JSON.stringify(maskSecrets(before)),
      after_json: after == null ? null : JSON.stringify(maskSecrets(after)),
      prev_hash: prev?.hash ?? GENESIS_HASH,
    };
    const full: Raw = { ...row, hash: rowHash(row) };
    this.insert.run(full);
    return fromRaw(full);
  }

  /** Newest first, `limit` rows with `seq < beforeSeq`. */
  list(opts: { limit: number; beforeSeq?: number }): AuditEntry[] {
    return this.page.all(opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.limit).map(fromRaw);
  }

  /** Walks the whole chain from the first row, recomputing every hash and link. */
  verify(): AuditVerification {
    let prevHash = GENESIS_HASH;
    let rows = 0;
    for (const r of this.all.iterate()) {
      rows++;
      const { hash, ...rest } = r;
      if (r.prev_hash !== prevHash || rowHash(rest) !== hash)
        return { ok: false, rows, firstBadSeq: r.seq };
      prevHash = hash;
    }
    return { ok: true, rows, firstBadSeq: null };
  }
}

/** sha256 hex of prev_hash followed by the canonical JSON of every column but `hash`. */
export function rowHash(row: Omit<Raw, "hash">): string {
  return createHash("sha256").update(row.prev_hash).update(canonicalJson(row)).digest("hex");
}

/** JSON with object keys sorted at every depth, so the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A deep copy with secret fields removed and any API key in a string shown as prefix…last4. */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === "string")
    return value.replace(KEY_IN_TEXT, (k) => `${k.slice(0, 8)}…${k.slice(-4)}`);
  if (Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_FIELDS.has(k.toLowerCase())) continue;
      const masked = maskSecrets(v);
      if (masked !== undefined) out[k] = masked;
    }
    return out;
  }
  return value;
}

function fromRaw(r: Raw): AuditEntry {
  return {
    seq: r.seq,
    tsMs: r.ts_ms,
    actorId: r.actor_id,
    actorRole: r.actor_role,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: r.before_json === null ? null : JSON.parse(r.before_json),
    after: r.after_json === null ? null : JSON.parse(r.after_json),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
