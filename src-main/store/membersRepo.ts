import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";

export type Role = "owner" | "admin" | "member" | "viewer";
export type MemberStatus = "active" | "disabled" | "deleted";

export interface Member {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  status: MemberStatus;
  /** Body retention override: null follows the org's setting, 0 never keeps bodies, N days. */
  bodyRetentionDays: number | null;
  createdMs: number;
  updatedMs: number;
}

interface Raw {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  status: MemberStatus;
  body_retention_days: number | null;
  created_ms: number;
  updated_ms: number;
}

const fromRaw = (r: Raw): Member => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role,
  status: r.status,
  bodyRetentionDays: r.body_retention_days,
  createdMs: r.created_ms,
  updatedMs: r.updated_ms,
});

export const newId = (kind: "mem" | "key") => `${kind}_${randomBytes(8).toString("hex")}`;

/**
 * Lab members. Deleting a member marks it `deleted` rather than removing the row, so usage and
 * audit history keep pointing at a real member.
 */
export class MembersRepo {
  private readonly byId;
  private readonly owner;
  private readonly list;
  private readonly insert;
  private readonly setStatusStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[string], Raw>("SELECT * FROM members WHERE id = ?");
    this.owner = db.prepare<[], Raw>("SELECT * FROM members WHERE role = 'owner'");
    this.list = db.prepare<[], Raw>(
      "SELECT * FROM members WHERE status != 'deleted' ORDER BY created_ms, id",
    );
    this.insert = db.prepare(
      `INSERT INTO members (id, name, email, role, status, created_ms, updated_ms)
       VALUES (@id, @name, @email, @role, 'active', @now, @now)`,
    );
    this.setStatusStmt = db.prepare<[MemberStatus, number, string]>(
      "UPDATE members SET status = ?, updated_ms = ? WHERE id = ? AND role != 'owner'",
    );
  }

  get(id: string): Member | undefined {
    const row = this.byId.get(id);
    return row ? fromRaw(row) : undefined;
  }

  listActiveAndDisabled(): Member[] {
    return this.list.all().map(fromRaw);
  }

  create(input: { name: string; email?: string | null; role: Exclude<Role, "owner"> }): Member {
    const id = newId("mem");
    this.insert.run({
      id,
      name: input.name,
      email: input.email ?? null,
      role: input.role,
      now: this.now(),
    });
    return this.get(id)!;
  }

  /** The owner, created on first start. */
  ensureOwner(name = "Owner"): Member {
    const existing = this.owner.get();
    if (existing) return fromRaw(existing);
    const id = newId("mem");
    this.insert.run({ id, name, email: null, role: "owner", now: this.now() });
    return this.get(id)!;
  }

  /** Disables, re-enables or deletes a member (never the owner). Returns false if nothing changed. */
  setStatus(id: string, status: MemberStatus): boolean {
    return this.setStatusStmt.run(status, this.now(), id).changes === 1;
  }
}
