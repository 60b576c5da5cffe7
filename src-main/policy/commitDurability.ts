import fs from "node:fs";
import type { Db } from "../store/db.js";

/**
 * How the ledger's commits reach the disk.
 *
 * The connection runs `synchronous=FULL`: every commit fsyncs the WAL on the thread that commits,
 * which is the event loop. For admissions that serialised every request behind one fsync (0.5 ms
 * typical here, 15 ms at p99 on a busy disk) and capped a pool's throughput at 1 / fsync.
 *
 * Group commit instead (`commitDurably`): units of work (an admission each) run in one shared
 * transaction committed with `synchronous=NORMAL` — the WAL frames are written to the file, which
 * a process crash cannot lose: they are in the kernel — and then one fsync of the WAL file runs
 * on libuv's thread pool. A unit's promise resolves only after that fsync: whoever acts on a unit
 * (dispatches the admitted request, answers the client) waits for it, so an acknowledged
 * admission is exactly as durable as under FULL. While an fsync runs, new units queue; when it
 * ends they all commit in one transaction and share the next fsync. Under load one transaction
 * and one fsync cover many admissions (their index pages are written once, not once each), and
 * the event loop serves other requests while the disk works. With nothing in flight a unit
 * commits at once: no added latency.
 *
 * Why an fsync of the WAL file suffices: in WAL mode a commit is the frames appended to the WAL
 * (a commit frame last), which is what FULL's own fsync flushes; SQLite still syncs the WAL
 * header whenever it restarts the WAL (not skipped by NORMAL), and a checkpoint syncs the WAL
 * before copying it and the database after. An fsync that starts after a commit returned covers
 * that commit's frames, whichever file descriptor it goes through.
 *
 * Databases that are not files in WAL mode (in memory, tests) cannot be grouped: `grouped` is
 * false, and the caller commits on its own with the connection's setting.
 */
export class CommitDurability {
  /** False for a database this cannot sync itself (not a file, or not in WAL mode). */
  readonly grouped: boolean;
  /** Shared transactions and fsyncs run so far (observability: how many units shared each). */
  commits = 0;
  syncs = 0;
  private readonly walFile: string;
  private readonly toNormal;
  private readonly restore;
  private syncing = false;
  /** Units waiting for the running fsync to end, to commit together. */
  private pending: Unit[] = [];

  /**
   * `mode` is the connection's own setting: `FULL` (the default), or `OFF` for benchmarks that
   * measure without any fsync (then nothing here syncs either).
   */
  constructor(
    private readonly db: Db,
    private readonly mode: "FULL" | "OFF" = "FULL",
  ) {
    const wal = !db.memory && db.pragma("journal_mode", { simple: true }) === "wal";
    this.grouped = mode === "FULL" && wal;
    this.walFile = `${db.name}-wal`;
    // Prepared once: a pragma is otherwise parsed on every commit.
    this.toNormal = db.prepare("PRAGMA synchronous = NORMAL");
    this.restore = db.prepare(`PRAGMA synchronous = ${mode}`);
  }

  /** Runs a commit without its own fsync (`synchronous=NORMAL`), restoring the setting after. */
  relaxed<T>(commit: () => T): T {
    if (this.mode === "OFF") return commit();
    this.toNormal.run();
    try {
      return commit();
    } finally {
      this.restore.run();
    }
  }

  /**
   * Runs `work` in a shared transaction (in a savepoint of its own: if it throws, only its writes
   * are undone and only its promise rejects) and resolves with its result once that transaction
   * is on disk. `work` must be synchronous and make its in-memory changes after its writes; the
   * units after it in the transaction see both. If the transaction does not commit, `undo` gets
   * each finished unit's result and every promise rejects; if the fsync fails, the promise
   * rejects with a `NotDurableError` carrying the committed result. A result that `wrote`
   * says wrote nothing (a refused admission) resolves as soon as the transaction commits.
   * Requires `grouped`.
   */
  commitDurably<T>(
    work: () => T,
    undo: (result: T) => void,
    wrote: (result: T) => boolean = () => true,
  ): Promise<T> {
    if (!this.grouped) throw new Error("group commit needs a database file in WAL mode");
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        work,
        undo: undo as (result: unknown) => void,
        wrote: wrote as (result: unknown) => boolean,
        resolve: resolve as (result: unknown) => void,
        reject,
      });
      if (!this.syncing) this.flush();
    });
  }

  /** Commits every pending unit in one transaction, then fsyncs it (on the thread pool). */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const results: ({ ok: true; value: unknown } | { ok: false; error: Error })[] = [];
    try {
      this.commits++;
      this.relaxed(() =>
        this.db
          .transaction(() => {
            for (const u of batch) {
              try {
                results.push({ ok: true, value: this.db.transaction(u.work)() });
              } catch (error) {
                // SQLite may roll back the whole transaction on its own (SQLITE_FULL, an I/O
                // error): the units before this one are gone too, and the next ones must not
                // run outside it (each would commit by itself). The batch fails as a whole.
                if (!this.db.inTransaction) throw error;
                results.push({ ok: false, error: error as Error });
              }
            }
          })
          .immediate(),
      );
    } catch (err) {
      batch.forEach((u, i) => {
        const r = results[i];
        if (r?.ok) u.undo(r.value);
        u.reject(err as Error);
      });
      if (this.pending.length > 0) this.flush();
      return;
    }
    // Failed units and those that wrote nothing are answered now; the rest after the fsync.
    const waiting: { u: Unit; value: unknown }[] = [];
    batch.forEach((u, i) => {
      const r = results[i]!;
      if (!r.ok) u.reject(r.error);
      else if (!u.wrote(r.value)) u.resolve(r.value);
      else waiting.push({ u, value: r.value });
    });
    this.syncing = true;
    this.syncs++;
    syncFile(this.walFile, (err) => {
      this.syncing = false;
      for (const { u, value } of waiting) {
        if (err) u.reject(new NotDurableError(err, value));
        else u.resolve(value);
      }
      // Units queued while this fsync ran commit now, together.
      if (this.pending.length > 0) this.flush();
    });
  }
}

interface Unit {
  work: () => unknown;
  undo: (result: unknown) => void;
  wrote: (result: unknown) => boolean;
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

/** The unit committed but its fsync failed: `result` is in the database, maybe not on disk. */
export class NotDurableError extends Error {
  constructor(
    cause: Error,
    readonly result: unknown,
  ) {
    super(`the commit could not be synced to disk: ${cause.message}`, { cause });
    this.name = "NotDurableError";
  }
}

/**
 * fdatasync of `file` through a descriptor of its own: the data and the size (what reading it
 * back needs). The fdatasync runs on the thread pool; opening and closing are quick syscalls made
 * here, which saves the pool two round trips. Opened per sync and closed at once, so no handle
 * outlives the database's (SQLite deletes the WAL when its last connection closes). On macOS
 * libuv uses F_FULLFSYNC, stronger than SQLite's plain fsync. Read-write: Windows flushes only
 * such handles. `done` is always called asynchronously.
 */
function syncFile(file: string, done: (err: Error | null) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(file, "r+");
  } catch (err) {
    process.nextTick(done, err as Error);
    return;
  }
  fs.fdatasync(fd, (syncErr) => {
    let closeErr: Error | null = null;
    try {
      fs.closeSync(fd);
    } catch (err) {
      closeErr = err as Error;
    }
    done(syncErr ?? closeErr);
  });
}
