import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, migrate, openDb } from "../../src-main/store/db.js";
import { migrations } from "../../src-main/store/migrations.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The audit record's migration (issue 16), found by what it creates: others may follow it. */
const AUDIT = migrations.findIndex((m) => m.includes("CREATE TABLE request_bodies"));

describe("the audit record's migration on an existing database", () => {
  it("adds the columns (NULL on existing rows) and the bodies table, keeping every row", () => {
    expect(AUDIT).toBeGreaterThan(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-db-"));
    dirs.push(dir);
    const file = path.join(dir, "benchtop.db");
    // A database as the release before it left it, with a member, a model and a usage row.
    const old = new Database(file);
    old.pragma("foreign_keys = ON");
    for (let v = 0; v < AUDIT; v++) old.exec(migrations[v]!);
    old.pragma(`user_version = ${AUDIT}`);
    old.exec(`
      INSERT INTO members (id, name, role, created_ms, updated_ms) VALUES ('mem_1', 'M', 'member', 1, 1);
      INSERT INTO models (id, path, size_bytes, mtime_ms, first_seen_ms, last_seen_ms)
        VALUES ('tiny', '/m/tiny.gguf', 10, 20, 1, 1);
      INSERT INTO usage (id, request_id, attempt, member_id, endpoint, requested_model, billing_mode,
        stream, state, created_ms, day, month, reserved_tokens, reserved_micros)
        VALUES ('req_1:1', 'req_1', 1, 'mem_1', 'chat.completions', 'tiny', 'org', 0, 'settled', 5,
          '2026-01-01', '2026-01', 1, 1);
    `);
    old.close();

    const db = openDb(file);
    expect(migrate(db)).toBe(migrations.length);
    expect(
      db
        .prepare(
          "SELECT id, guard_json, model_version, provider_region, provider_retention FROM usage",
        )
        .all(),
    ).toEqual([
      {
        id: "req_1:1",
        guard_json: null,
        model_version: null,
        provider_region: null,
        provider_retention: null,
      },
    ]);
    expect(db.prepare("SELECT id, sha256, sha256_of FROM models").all()).toEqual([
      { id: "tiny", sha256: null, sha256_of: null },
    ]);
    expect(db.prepare("SELECT id, body_retention_days FROM members").all()).toEqual([
      { id: "mem_1", body_retention_days: null },
    ]);
    // Overrides beyond ten years are refused by the schema too, not only by the API.
    expect(() =>
      db.prepare("UPDATE members SET body_retention_days = 3651 WHERE id = 'mem_1'").run(),
    ).toThrow(/CHECK/);
    // A body belongs to a usage row, and goes with it.
    const insert = db.prepare(
      `INSERT INTO request_bodies (usage_id, request_id, member_id, created_ms, expires_ms, request,
         response, request_bytes, response_bytes) VALUES (?, 'req_1', 'mem_1', 1, 2, x'00', x'00', 1, 1)`,
    );
    expect(() => insert.run("req_missing:1")).toThrow(/FOREIGN KEY/);
    insert.run("req_1:1");
    db.prepare("DELETE FROM usage WHERE id = 'req_1:1'").run();
    expect(db.prepare("SELECT count(*) AS n FROM request_bodies").get()).toEqual({ n: 0 });
    closeDb(db);
  });
});
