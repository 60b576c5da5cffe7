import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";

/** errno codes that mean the disk, or the user's quota on it, is full. */
const FULL_ERRNO = new Set(["ENOSPC", "EDQUOT"]);

/**
 * Seconds a client is told to wait (`retry-after`) while the database's disk is full. A disk is
 * rarely freed within seconds, and a retry that comes early is refused cheaply.
 */
export const STORAGE_FULL_RETRY_AFTER_S = 30;

/** Bytes the probe beside the database writes to tell a full disk from another I/O error. */
const PROBE_BYTES = 64 * 1024;

/**
 * A write to the database was refused because its disk (or the user's quota) is full. Thrown by
 * the ledger and mapped centrally to `503 storage_full` with `retry-after`; it says nothing was
 * written by the operation that threw.
 */
export class StorageFullError extends Error {
  readonly code = "storage_full";
  constructor(cause?: unknown) {
    super("The database's disk is full.", { cause });
    this.name = "StorageFullError";
  }
}

export interface StorageHealthOptions {
  /** The database file; full-disk probes write a scratch file beside it. */
  dbFile: string;
  log: Logger;
  /**
   * One small write through SQLite, made every `probeIntervalS` while storage is full to notice
   * that space came back when nothing else writes. Without it the state turns `ok` only at the
   * next write that succeeds (an admission, a settlement).
   */
  probeWrite?: () => void;
  /** Seconds between probes while full. Defaults to `5`. */
  probeIntervalS?: number;
  now?: () => number;
}

/**
 * Whether the database's disk takes writes. Every writer that meets a failure asks `fullError`
 * whether it is a full disk; while it is, the state is `full` (since the first such failure),
 * non-essential writes are skipped, and a probe runs every few seconds. The first write that
 * succeeds again (`wrote`) makes it `ok` and runs the `onResume` listeners, which write what was
 * held back (settlements kept in memory).
 */
export class StorageHealth {
  private fullSinceMs: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly resumeListeners: (() => void)[] = [];
  private readonly now: () => number;
  private readonly probeFile: string;
  private closed = false;

  constructor(private readonly opts: StorageHealthOptions) {
    this.now = opts.now ?? Date.now;
    this.probeFile = path.join(path.dirname(opts.dbFile), ".space-probe");
  }

  /** True while writes to the database fail for want of space. */
  get full(): boolean {
    return this.fullSinceMs !== null;
  }

  /** When writes started failing (ms since the epoch), or null. */
  get sinceMs(): number | null {
    return this.fullSinceMs;
  }

  /**
   * If `err` says the disk is full (SQLITE_FULL, an SQLite I/O error while the disk is full,
   * ENOSPC or EDQUOT from the file system), marks storage full and returns the typed error;
   * otherwise returns undefined and changes nothing.
   */
  fullError(err: unknown): StorageFullError | undefined {
    if (!(err instanceof StorageFullError) && !this.isDiskFull(err, 0)) return undefined;
    if (this.fullSinceMs === null) {
      this.fullSinceMs = this.now();
      this.opts.log.error(
        { err },
        "the database's disk is full: requests are refused (503 storage_full) and settlements held in memory until space returns",
      );
      this.startProbing();
    }
    return err instanceof StorageFullError ? err : new StorageFullError(err);
  }

  /** A write to the database succeeded: storage is not full (any more). */
  wrote(): void {
    if (this.fullSinceMs === null) return;
    const since = this.fullSinceMs;
    this.fullSinceMs = null;
    clearInterval(this.timer);
    this.timer = undefined;
    this.opts.log.warn({ fullForMs: this.now() - since }, "the database's disk takes writes again");
    for (const listener of this.resumeListeners) {
      try {
        listener();
      } catch (err) {
        this.opts.log.error({ err }, "writing what waited for space failed");
      }
    }
  }

  /** Runs `listener` each time storage turns `ok` again. */
  onResume(listener: () => void): void {
    this.resumeListeners.push(listener);
  }

  /** One probe: the probe write through SQLite; success resumes. Tests call it to skip the wait. */
  probe(): void {
    if (this.fullSinceMs === null || !this.opts.probeWrite) return;
    try {
      this.opts.probeWrite();
    } catch (err) {
      if (!this.fullError(err)) this.opts.log.warn({ err }, "storage probe failed");
      return;
    }
    this.wrote();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private startProbing(): void {
    if (this.closed || this.timer || !this.opts.probeWrite) return;
    this.timer = setInterval(() => this.probe(), (this.opts.probeIntervalS ?? 5) * 1000);
    this.timer.unref();
  }

  private isDiskFull(err: unknown, depth: number): boolean {
    if (typeof err !== "object" || err === null || depth > 3) return false;
    const code = (err as { code?: unknown }).code;
    if (code === "SQLITE_FULL" || (typeof code === "string" && FULL_ERRNO.has(code))) return true;
    // SQLite says SQLITE_FULL where it sees ENOSPC itself; a quota (EDQUOT) or a failed growth of
    // the -shm file comes back as an SQLITE_IOERR_*, and better-sqlite3 does not expose the
    // errno. A small write beside the database tells whether the disk is the reason.
    if (typeof code === "string" && code.startsWith("SQLITE_IOERR")) return this.noSpaceBeside();
    // A wrapper (the fsync of a group commit) carries the file system's error as its cause.
    return this.isDiskFull((err as { cause?: unknown }).cause, depth + 1);
  }

  private noSpaceBeside(): boolean {
    try {
      fs.writeFileSync(this.probeFile, Buffer.alloc(PROBE_BYTES));
      return false;
    } catch (err) {
      return FULL_ERRNO.has((err as NodeJS.ErrnoException).code ?? "");
    } finally {
      fs.rmSync(this.probeFile, { force: true });
    }
  }
}
