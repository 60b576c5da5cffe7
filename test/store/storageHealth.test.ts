import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { NotDurableError } from "../../src-main/policy/commitDurability.js";
import { StorageFullError, StorageHealth } from "../../src-main/store/storageHealth.js";
import { canMountTinyFs, mountTinyFs, type TinyFs } from "../helpers/tinyFs.js";

/**
 * Which failures are a full disk. SQLite says SQLITE_FULL where it sees ENOSPC; a quota or a
 * failed growth of the -shm file comes back as SQLITE_IOERR_*, which StorageHealth tells apart
 * by a small write beside the database: on a real full tmpfs, and on a disk with room.
 */
const mounted: TinyFs[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const m of mounted) m.unmount();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const log = pino({ level: "silent" });
const sqliteError = (code: string) => new Database.SqliteError("disk I/O error", code);

function roomy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-storage-"));
  dirs.push(dir);
  return new StorageHealth({ dbFile: path.join(dir, "benchtop.db"), log });
}

describe("StorageHealth.fullError", () => {
  it("SQLITE_FULL, ENOSPC, EDQUOT and an fsync failure caused by ENOSPC are a full disk", () => {
    for (const err of [
      sqliteError("SQLITE_FULL"),
      Object.assign(new Error("no space"), { code: "ENOSPC" }),
      Object.assign(new Error("quota"), { code: "EDQUOT" }),
      new NotDurableError(Object.assign(new Error("no space"), { code: "ENOSPC" }), {}),
    ]) {
      const s = roomy();
      expect(s.full).toBe(false);
      const full = s.fullError(err);
      expect(full).toBeInstanceOf(StorageFullError);
      expect(full!.cause).toBe(err);
      expect(s.full).toBe(true);
      expect(typeof s.sinceMs).toBe("number");
      s.wrote();
      expect([s.full, s.sinceMs]).toEqual([false, null]);
    }
  });

  it("other errors are not, and change nothing; an I/O error on a disk with room is not either", () => {
    const s = roomy();
    for (const err of [
      sqliteError("SQLITE_CONSTRAINT_UNIQUE"),
      sqliteError("SQLITE_BUSY"),
      sqliteError("SQLITE_IOERR_WRITE"),
      new Error("usage row x was not reserved"),
      "a string",
      null,
    ])
      expect(s.fullError(err)).toBeUndefined();
    expect(s.full).toBe(false);
  });

  it.skipIf(!canMountTinyFs)("an SQLite I/O error while the disk is full is a full disk", () => {
    const disk = mountTinyFs(64 * 1024);
    mounted.push(disk);
    const s = new StorageHealth({ dbFile: path.join(disk.dir, "benchtop.db"), log });
    disk.fill();
    expect(s.fullError(sqliteError("SQLITE_IOERR_WRITE"))).toBeInstanceOf(StorageFullError);
    expect(s.full).toBe(true);
    // The probe file it wrote to find out is gone.
    expect(fs.readdirSync(disk.dir)).toEqual(["filler"]);
  });

  it("resume listeners run once storage takes writes again, not before", () => {
    const s = roomy();
    const ran: string[] = [];
    s.onResume(() => ran.push("flush"));
    s.wrote();
    expect(ran).toEqual([]);
    s.fullError(sqliteError("SQLITE_FULL"));
    s.fullError(sqliteError("SQLITE_FULL"));
    expect(ran).toEqual([]);
    s.wrote();
    s.wrote();
    expect(ran).toEqual(["flush"]);
  });
});
