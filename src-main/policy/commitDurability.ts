import fs from "node:fs";
import type { Db } from "../store/db.js";

/**
 * How the ledger's commits reach the disk.
 *
 * The connection runs `synchronous=FULL`: every commit fsyncs the WAL on the thread that commits,
 * which is the event loop. For admissions that serialised every request behind one fsync (0.5 ms
 * typical here, 15 ms at p99 on a busy disk) and capped a pool's throughput at 1 / fsync.
 *
 * Group commit instead: a ledger transaction commits with `synchronous=NORMAL` (the WAL frames are
 * written to the file, which a process crash cannot lose: they are in the kernel), and `durable()`
 * then fsyncs the WAL file on libuv's thread pool. Whoever needs durability awaits it before
 * acting on the commit — an admission before its request is dispatched or answered — so an
 * acknowledged admission is exactly as durable as under FULL. Callers that commit while an fsync
 * is running share the next one: under load one fsync covers many admissions, and the event loop
 * serves other requests while the disk works.
 *
 * Why an fsync of the WAL file suffices: in WAL mode a commit is the frames appended to the WAL
 * (a commit frame last), which is what FULL's own fsync flushes; SQLite still syncs the WAL
 * header whenever it restarts the WAL (not skipped by NORMAL), and a checkpoint syncs the WAL
 * before copying it and the database after. An fsync that starts after a commit returned covers
 * that commit's frames, whichever file descriptor it goes through.
 *
 * Databases that are not files in WAL mode (in memory, tests) cannot be grouped: `grouped` is
 * false and commits keep the connection's own setting.
 */
export class CommitDurability {
  /** False for a database this cannot sync itself (not a file, or not in WAL mode). */
  readonly grouped: boolean;
  /** fsyncs this has run so far (observability: how many admissions shared each). */
  syncs = 0;
  private readonly walFile: string;
  private readonly toNormal;
  private readonly restore;
  private syncing = false;
  /** Callers of `durable()` whose commits the running fsync may have missed. */
  private waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];

  /**
   * `mode` is the connection's own setting: `FULL` (the default), or `OFF` for benchmarks that
   * measure without any fsync (then nothing here syncs either).
   */
  constructor(
    db: Db,
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
   * Resolves once every commit made before this call is on disk (one fsync of the WAL, shared
   * with every caller waiting for it); rejects with the fsync's error. Immediate without group
   * commit: the commits were synced by the connection (or are never synced, with `OFF`).
   */
  durable(): Promise<void> {
    if (!this.grouped) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.syncing) this.sync();
    });
  }

  private sync(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.syncing = true;
    this.syncs++;
    syncFile(this.walFile, (err) => {
      this.syncing = false;
      for (const w of batch) {
        if (err) w.reject(err);
        else w.resolve();
      }
      // Commits made while this fsync ran need one that starts after them.
      if (this.waiting.length > 0) this.sync();
    });
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
