import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, migrate, openDb, schemaVersion } from "../../src-main/store/db.js";
import { migrations } from "../../src-main/store/migrations.js";
import { ModelsRepo } from "../../src-main/store/modelsRepo.js";
import { SettingsRepo } from "../../src-main/store/settingsRepo.js";

const dirs: string[] = [];
const tempDb = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-db-"));
  dirs.push(dir);
  return path.join(dir, "benchtop.db");
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("store", () => {
  it("opens a real file with WAL, synchronous=FULL, foreign keys and a busy timeout", () => {
    const db = openDb(tempDb(), { busyTimeoutMs: 1234 });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(1234);
    expect(schemaVersion(db)).toBe(migrations.length);
    closeDb(db);
  });

  it("migrates once: reopening applies nothing and keeps data", () => {
    const file = tempDb();
    const db = openDb(file);
    new SettingsRepo(db).set("engine.idleTtlS", 60);
    closeDb(db);
    const again = openDb(file);
    expect(migrate(again)).toBe(migrations.length);
    expect(new SettingsRepo(again).get<number>("engine.idleTtlS")).toBe(60);
    closeDb(again);
  });

  it("refuses a database from a newer Benchtop", () => {
    const file = tempDb();
    const db = openDb(file);
    db.pragma(`user_version = ${migrations.length + 1}`);
    closeDb(db);
    expect(() => openDb(file)).toThrow(/newer than this Benchtop/);
  });

  it("settings round-trip JSON values and overwrite by key", () => {
    const db = openDb(tempDb());
    const settings = new SettingsRepo(db, () => 42);
    expect(settings.get("missing")).toBeUndefined();
    settings.set("a", { nested: [1, 2] });
    settings.set("a", { nested: [3] });
    expect(settings.get("a")).toEqual({ nested: [3] });
    expect(db.prepare("SELECT COUNT(*) AS n FROM settings").get()).toEqual({ n: 1 });
    closeDb(db);
  });

  it("models: replacing the present set keeps history of removed files", () => {
    const db = openDb(tempDb());
    let now = 1000;
    const repo = new ModelsRepo(db, () => now);
    const model = (id: string) => ({
      id,
      path: `/m/${id}.gguf`,
      sizeBytes: 10,
      mtimeMs: 5,
      architecture: "llama",
      parameters: 100,
      contextLength: 4096,
      embeddingLength: 64,
      fileType: "Q4_0",
      hasChatTemplate: true,
      error: null,
    });
    repo.replacePresent([model("a"), model("b")]);
    now = 2000;
    repo.replacePresent([model("b")]);
    expect(repo.listPresent().map((m) => m.id)).toEqual(["b"]);
    const b = repo.listPresent()[0]!;
    expect(b).toMatchObject({
      firstSeenMs: 1000,
      lastSeenMs: 2000,
      hasChatTemplate: true,
      fileType: "Q4_0",
    });
    expect(db.prepare("SELECT id, present FROM models ORDER BY id").all()).toEqual([
      { id: "a", present: 0 },
      { id: "b", present: 1 },
    ]);
    closeDb(db);
  });
});
