import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, openDb, type Db } from "../../src-main/store/db.js";

/** A real SQLite file in a fresh temp folder, migrated; `dispose()` closes and removes it. */
export function tempDb(): { db: Db; file: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-db-"));
  const file = path.join(dir, "benchtop.db");
  const handle = {
    db: openDb(file),
    file,
    dispose: () => {
      closeDb(handle.db);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
