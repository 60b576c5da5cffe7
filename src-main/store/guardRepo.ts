import type { GuardPolicyDto, GuardScope } from "../contract/manage/guard.js";
import type { PiiMode, PiiType } from "../guard/types.js";
import type { Db } from "./db.js";

/**
 * The org's policy until one is set: PII is flagged (counted on the usage row, sent as is) for
 * every type, only on requests that leave the machine, and nothing is restored in answers.
 * Flag rather than off, so a lab sees what its members send out before it decides to redact.
 */
export const DEFAULT_ORG_POLICY: Omit<GuardPolicyDto, "updated_ms"> = {
  scope: "org",
  scope_id: null,
  pii_mode: "flag",
  pii_types: null,
  apply_local: false,
  keep_local_model: null,
  restore: false,
};

interface Raw {
  scope: GuardScope;
  scope_id: string;
  pii_mode: PiiMode;
  pii_types_json: string | null;
  apply_local: number;
  keep_local_model: string | null;
  restore: number | null;
  updated_ms: number;
}

const fromRaw = (r: Raw): GuardPolicyDto => ({
  scope: r.scope,
  scope_id: r.scope === "org" ? null : r.scope_id,
  pii_mode: r.pii_mode,
  pii_types: r.pii_types_json === null ? null : (JSON.parse(r.pii_types_json) as PiiType[]),
  apply_local: r.apply_local === 1,
  keep_local_model: r.keep_local_model,
  restore: r.restore === null ? null : r.restore === 1,
  updated_ms: r.updated_ms,
});

export type PolicyFields = Pick<
  GuardPolicyDto,
  "pii_mode" | "pii_types" | "apply_local" | "keep_local_model" | "restore"
>;

/**
 * Guard policies, read on every request that leaves the machine: all of them are cached in
 * memory and the cache dropped on each write through this repository (their only writer).
 */
export class GuardRepo {
  private readonly s;
  private cache: Map<string, GuardPolicyDto> | undefined;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      all: db.prepare<[], Raw>("SELECT * FROM guard_policies ORDER BY scope, scope_id"),
      put: db.prepare(
        `INSERT INTO guard_policies (scope, scope_id, pii_mode, pii_types_json, apply_local,
           keep_local_model, restore, updated_ms)
         VALUES (@scope, @scopeId, @mode, @types, @applyLocal, @keepLocal, @restore, @now)
         ON CONFLICT (scope, scope_id) DO UPDATE SET pii_mode = excluded.pii_mode,
           pii_types_json = excluded.pii_types_json, apply_local = excluded.apply_local,
           keep_local_model = excluded.keep_local_model, restore = excluded.restore,
           updated_ms = excluded.updated_ms`,
      ),
      remove: db.prepare<[string, string]>(
        "DELETE FROM guard_policies WHERE scope = ? AND scope_id = ?",
      ),
      redactSecrets: db.prepare<[], { id: string; name: string }>(
        "SELECT id, name FROM connections WHERE redact_secrets = 0 AND deleted_ms IS NULL ORDER BY name",
      ),
    };
  }

  private policies(): Map<string, GuardPolicyDto> {
    this.cache ??= new Map(
      this.s.all.all().map((r) => [`${r.scope}\u0000${r.scope_id}`, fromRaw(r)]),
    );
    return this.cache;
  }

  /** The org's policy: the stored one, or `DEFAULT_ORG_POLICY`. */
  org(): GuardPolicyDto {
    return this.get("org", "") ?? { ...DEFAULT_ORG_POLICY, updated_ms: 0 };
  }

  get(scope: GuardScope, id: string): GuardPolicyDto | undefined {
    return this.policies().get(`${scope}\u0000${scope === "org" ? "" : id}`);
  }

  list(scope: "member" | "model"): GuardPolicyDto[] {
    return [...this.policies().values()].filter((p) => p.scope === scope);
  }

  put(scope: GuardScope, id: string, p: PolicyFields): GuardPolicyDto {
    this.s.put.run({
      scope,
      scopeId: scope === "org" ? "" : id,
      mode: p.pii_mode,
      types: p.pii_types === null ? null : JSON.stringify(p.pii_types),
      applyLocal: p.apply_local ? 1 : 0,
      keepLocal: p.keep_local_model,
      restore: p.restore === null ? null : p.restore ? 1 : 0,
      now: this.now(),
    });
    this.cache = undefined;
    return this.get(scope, id)!;
  }

  remove(scope: "member" | "model", id: string): boolean {
    const n = this.s.remove.run(scope, id).changes;
    this.cache = undefined;
    return n > 0;
  }

  /** Connections whose requests leave without secret redaction (their owner turned it off). */
  keyVaultOff(): { id: string; name: string }[] {
    return this.s.redactSecrets.all();
  }
}
