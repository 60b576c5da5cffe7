import type { Db } from "./db.js";

/** Typed JSON key/value settings (one row per key). */
export class SettingsRepo {
  private readonly getStmt;
  private readonly putStmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string], { value_json: string }>(
      "SELECT value_json FROM settings WHERE key = ?",
    );
    this.putStmt = db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value_json, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_ms = excluded.updated_ms`,
    );
  }

  get<T>(key: string): T | undefined {
    const row = this.getStmt.get(key);
    return row ? (JSON.parse(row.value_json) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.putStmt.run(key, JSON.stringify(value), this.now());
  }
}
