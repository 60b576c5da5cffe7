import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, migrate, openDb } from "../../src-main/store/db.js";
import { LimitsRepo } from "../../src-main/store/limitsRepo.js";
import { migrations } from "../../src-main/store/migrations.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The cache-aware prices' migration (issue 12), found by what it adds: others may follow it. */
const CACHE = migrations.findIndex((m) => m.includes("cache_read_micros_per_mtok"));

describe("the cache-aware prices' migration on an existing database", () => {
  it("keeps prices as they were (no cache rates: the input price) and adds cache_write_tokens", () => {
    expect(CACHE).toBeGreaterThan(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-db-"));
    dirs.push(dir);
    const file = path.join(dir, "benchtop.db");
    const old = new Database(file);
    old.pragma("foreign_keys = ON");
    for (let v = 0; v < CACHE; v++) old.exec(migrations[v]!);
    old.pragma(`user_version = ${CACHE}`);
    old.exec(`
      INSERT INTO prices (model, input_micros_per_mtok, output_micros_per_mtok, billing_mode, updated_ms)
        VALUES ('claude', 3000000, 15000000, 'org', 1);
    `);
    old.close();

    const db = openDb(file);
    try {
      expect(migrate(db)).toBe(migrations.length);
      const limits = new LimitsRepo(db);
      expect(limits.price("claude")).toEqual({
        model: "claude",
        input_micros_per_mtok: 3_000_000,
        output_micros_per_mtok: 15_000_000,
        billing_mode: "org",
      });
      limits.setPrice({
        model: "claude",
        input_micros_per_mtok: 3_000_000,
        output_micros_per_mtok: 15_000_000,
        cache_read_micros_per_mtok: 300_000,
        cache_write_micros_per_mtok: null,
        billing_mode: "org",
      });
      // A null rate is stored as NULL and read back as absent (the input price).
      expect(limits.prices()).toEqual([
        {
          model: "claude",
          input_micros_per_mtok: 3_000_000,
          output_micros_per_mtok: 15_000_000,
          cache_read_micros_per_mtok: 300_000,
          billing_mode: "org",
        },
      ]);
      const columns = (db.prepare("PRAGMA table_info(usage)").all() as { name: string }[]).map(
        (c) => c.name,
      );
      expect(columns).toContain("cache_write_tokens");
    } finally {
      closeDb(db);
    }
  });
});
