import { randomBytes } from "node:crypto";
import type { Strategy } from "../pools/strategies.js";
import type { Db } from "./db.js";

/** The pool strategies (pools/strategies.ts implements them). */
export type PoolStrategy = Strategy;

export interface PoolTarget {
  id: string;
  connectionId: string;
  upstreamModel: string;
  priority: number;
  weight: number;
}

export interface Pool {
  /** The model id clients call. */
  id: string;
  strategy: PoolStrategy;
  maxAttempts: number;
  targets: PoolTarget[];
  createdMs: number;
  updatedMs: number;
}

/** Pools: one exposed model id served by several connections (and upstream model ids). */
export class PoolsRepo {
  private readonly s;
  private writes = 0;

  /** Moves on every write through this repository, so readers may cache pools until it does. */
  get version(): number {
    return this.writes;
  }

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      upsert: db.prepare(
        `INSERT INTO pools (id, strategy, max_attempts, created_ms, updated_ms)
         VALUES (@id, @strategy, @maxAttempts, @now, @now)
         ON CONFLICT(id) DO UPDATE SET strategy = excluded.strategy,
           max_attempts = excluded.max_attempts, updated_ms = excluded.updated_ms`,
      ),
      clearTargets: db.prepare<[string]>("DELETE FROM pool_targets WHERE pool_id = ?"),
      insertTarget: db.prepare(
        `INSERT INTO pool_targets (id, pool_id, connection_id, upstream_model, priority, weight)
         VALUES (@id, @poolId, @connectionId, @upstreamModel, @priority, @weight)`,
      ),
      remove: db.prepare<[string]>("DELETE FROM pools WHERE id = ?"),
      get: db.prepare<[string], Record<string, unknown>>("SELECT * FROM pools WHERE id = ?"),
      list: db.prepare<[], Record<string, unknown>>("SELECT * FROM pools ORDER BY id"),
      // Within a priority, the order the admin listed them (ids are random): stable across reads.
      targets: db.prepare<[string], Record<string, unknown>>(
        `SELECT id, connection_id AS connectionId, upstream_model AS upstreamModel, priority, weight
         FROM pool_targets WHERE pool_id = ? ORDER BY priority, rowid`,
      ),
    };
  }

  /** Creates or replaces a pool and its targets, in one transaction. */
  put(p: {
    id: string;
    strategy: PoolStrategy;
    maxAttempts: number;
    targets: Omit<PoolTarget, "id">[];
  }): Pool {
    this.writes++;
    this.db.transaction(() => {
      this.s.upsert.run({
        id: p.id,
        strategy: p.strategy,
        maxAttempts: p.maxAttempts,
        now: this.now(),
      });
      this.s.clearTargets.run(p.id);
      for (const t of p.targets)
        this.s.insertTarget.run({ ...t, id: `pt_${randomBytes(8).toString("hex")}`, poolId: p.id });
    })();
    return this.get(p.id)!;
  }

  remove(id: string): boolean {
    this.writes++;
    return this.s.remove.run(id).changes === 1;
  }

  get(id: string): Pool | undefined {
    const row = this.s.get.get(id);
    return row ? this.fromRaw(row) : undefined;
  }

  list(): Pool[] {
    return this.s.list.all().map((r) => this.fromRaw(r));
  }

  private fromRaw(r: Record<string, unknown>): Pool {
    return {
      id: r.id as string,
      strategy: r.strategy as PoolStrategy,
      maxAttempts: r.max_attempts as number,
      targets: this.s.targets.all(r.id as string) as unknown as PoolTarget[],
      createdMs: r.created_ms as number,
      updatedMs: r.updated_ms as number,
    };
  }
}
