import type { Db } from "./db.js";
import { newId, type MemberStatus, type Role } from "./membersRepo.js";

export interface ApiKeyRow {
  id: string;
  memberId: string;
  name: string;
  prefix: string;
  last4: string;
  createdMs: number;
  expiresMs: number | null;
  revokedMs: number | null;
  lastUsedMs: number | null;
}

/** A key found by its hash, with what authentication needs to know about its member. */
export interface KeyOwner {
  key: ApiKeyRow;
  hash: Buffer;
  memberRole: Role;
  memberStatus: MemberStatus;
}

interface Raw {
  id: string;
  member_id: string;
  name: string;
  hash: Buffer;
  prefix: string;
  last4: string;
  created_ms: number;
  expires_ms: number | null;
  revoked_ms: number | null;
  last_used_ms: number | null;
}

const fromRaw = (r: Raw): ApiKeyRow => ({
  id: r.id,
  memberId: r.member_id,
  name: r.name,
  prefix: r.prefix,
  last4: r.last4,
  createdMs: r.created_ms,
  expiresMs: r.expires_ms,
  revokedMs: r.revoked_ms,
  lastUsedMs: r.last_used_ms,
});

/** API keys, by hash. The plain key never reaches this module. */
export class KeysRepo {
  private readonly insert;
  private readonly byHash;
  private readonly byId;
  private readonly forMember;
  private readonly revokeStmt;
  private readonly touchStmt;
  private readonly liveCount;
  private readonly liveForMember;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      `INSERT INTO api_keys (id, member_id, name, hash, prefix, last4, created_ms, expires_ms)
       VALUES (@id, @memberId, @name, @hash, @prefix, @last4, @now, @expiresMs)`,
    );
    this.byHash = db.prepare<[Buffer], Raw & { role: Role; status: MemberStatus }>(
      `SELECT k.*, m.role, m.status FROM api_keys k JOIN members m ON m.id = k.member_id WHERE k.hash = ?`,
    );
    this.byId = db.prepare<[string], Raw>("SELECT * FROM api_keys WHERE id = ?");
    this.forMember = db.prepare<[string], Raw>(
      "SELECT * FROM api_keys WHERE member_id = ? ORDER BY created_ms, id",
    );
    this.revokeStmt = db.prepare<[number, string]>(
      "UPDATE api_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
    );
    this.liveCount = db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM api_keys k JOIN members m ON m.id = k.member_id
       WHERE m.status = 'active' AND m.role != 'owner' AND k.revoked_ms IS NULL
         AND (k.expires_ms IS NULL OR k.expires_ms > ?)`,
    );
    this.liveForMember = db.prepare<[string, number], { n: number }>(
      `SELECT count(*) AS n FROM api_keys
       WHERE member_id = ? AND revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > ?)`,
    );
    this.touchStmt = db.prepare<[number, string]>(
      "UPDATE api_keys SET last_used_ms = ? WHERE id = ?",
    );
  }

  create(input: {
    memberId: string;
    name: string;
    hash: Buffer;
    prefix: string;
    last4: string;
    expiresMs?: number | null;
  }): ApiKeyRow {
    const id = newId("key");
    this.insert.run({ ...input, id, expiresMs: input.expiresMs ?? null, now: this.now() });
    return this.get(id)!;
  }

  get(id: string): ApiKeyRow | undefined {
    const row = this.byId.get(id);
    return row ? fromRaw(row) : undefined;
  }

  findByHash(hash: Buffer): KeyOwner | undefined {
    const row = this.byHash.get(hash);
    return row
      ? { key: fromRaw(row), hash: row.hash, memberRole: row.role, memberStatus: row.status }
      : undefined;
  }

  listForMember(memberId: string): ApiKeyRow[] {
    return this.forMember.all(memberId).map(fromRaw);
  }

  /** Revokes a key; effective for the very next lookup. False if unknown or already revoked. */
  revoke(id: string): boolean {
    return this.revokeStmt.run(this.now(), id).changes === 1;
  }

  /** Keys of members other than the owner that would authenticate now. */
  countLiveMemberKeys(): number {
    return this.liveCount.get(this.now())!.n;
  }

  /** Keys of `memberId` that would authenticate now (not revoked, not expired). */
  countLiveForMember(memberId: string): number {
    return this.liveForMember.get(memberId, this.now())!.n;
  }

  touch(id: string): void {
    this.touchStmt.run(this.now(), id);
  }
}
