import Database from "better-sqlite3";
import type { Logger } from "pino";
import { migrations } from "./migrations.js";

export type Db = Database.Database;

export interface OpenDbOptions {
  /** Milliseconds a writer waits for a lock before SQLITE_BUSY. Defaults to `5000`. */
  busyTimeoutMs?: number;
  log?: Logger;
}

/**
 * Opens (creating if needed) the database file and brings its schema up to date.
 * WAL lets readers run beside the single writer; `synchronous=FULL` makes every committed
 * ledger write durable across power loss, which the usage ledger relies on.
 */
export function openDb(file: string, opts: OpenDbOptions = {}): Db {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
  const from = migrate(db);
  const to = schemaVersion(db);
  if (from !== to) opts.log?.info({ from, to }, "database migrated");
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Applies pending migrations, each in its own transaction. Returns the version it started at. */
export function migrate(db: Db): number {
  const from = schemaVersion(db);
  if (from > migrations.length) {
    throw new Error(
      `Database schema version ${from} is newer than this Benchtop (${migrations.length}); upgrade Benchtop`,
    );
  }
  for (let v = from; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return from;
}

/**
 * Closes the database after folding the WAL back into the main file. Returns false when that
 * fold failed (a full disk cannot take the pages): the database still closes, and the WAL left
 * beside it is replayed at the next open, so nothing committed is lost.
 */
export function closeDb(db: Db): boolean {
  if (!db.open) return true;
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}
