import type { Db } from "./db.js";
import type { MemberStatus, Role } from "./membersRepo.js";

export interface MemberChanges {
  name?: string;
  email?: string | null;
  role?: Exclude<Role, "owner">;
  status?: MemberStatus;
}

/**
 * Field edits of a member for the management API (MembersRepo keeps creation and status).
 * The SQL refuses to touch the owner's role or status and to make anyone the owner, whatever
 * the caller checked before: the owner's powers must not hang on one `if` in a route.
 */
export class MemberEditsRepo {
  private readonly stmt;
  private readonly retentionStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.stmt = db.prepare(
      `UPDATE members SET
         name = coalesce(@name, name),
         email = CASE WHEN @setEmail THEN @email ELSE email END,
         role = coalesce(@role, role),
         status = coalesce(@status, status),
         updated_ms = @now
       WHERE id = @id
         AND (role != 'owner' OR (@role IS NULL AND @status IS NULL))
         AND ifnull(@role, '') != 'owner'`,
    );
    this.retentionStmt = db.prepare<[number | null, number, string]>(
      "UPDATE members SET body_retention_days = ?, updated_ms = ? WHERE id = ?",
    );
  }

  /**
   * Sets a member's body retention override: null follows the org's setting, 0 never keeps
   * their bodies, N keeps them N days. False when no such member.
   */
  setBodyRetention(id: string, days: number | null): boolean {
    return this.retentionStmt.run(days, this.now(), id).changes === 1;
  }

  /** Applies the fields present in `changes`. False when nothing matched (unknown or refused). */
  update(id: string, changes: MemberChanges): boolean {
    return (
      this.stmt.run({
        id,
        name: changes.name ?? null,
        setEmail: changes.email !== undefined ? 1 : 0,
        email: changes.email ?? null,
        role: changes.role ?? null,
        status: changes.status ?? null,
        now: this.now(),
      }).changes === 1
    );
  }
}
