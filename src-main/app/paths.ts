import fs from "node:fs";
import path from "node:path";

/** The data-dir layout. Everything Benchtop writes lives under `dataDir`. */
export interface DataPaths {
  dataDir: string;
  modelsDir: string;
  /** SQLite database (WAL mode adds `-wal` and `-shm` beside it). */
  db: string;
  logsDir: string;
  /** The owner token (mode 0600): how the desktop UI and local scripts authenticate as the owner. */
  ownerToken: string;
  /** Headless SecretCipher key (mode 0600) encrypting provider keys in the database. */
  secretKey: string;
}

export function resolvePaths(dataDir: string, modelsDir: string): DataPaths {
  return {
    dataDir,
    modelsDir,
    db: path.join(dataDir, "benchtop.db"),
    logsDir: path.join(dataDir, "logs"),
    ownerToken: path.join(dataDir, "owner.token"),
    secretKey: path.join(dataDir, "secret.key"),
  };
}

/** Creates the folders; the data dir is private to the user (0700) because it holds the ledger. */
export function ensurePaths(paths: DataPaths): void {
  fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  // Also when something else created it first (e.g. `npm run demo-model` with the default
  // umask): the database holds key hashes and the ledger, and the owner token lives here.
  fs.chmodSync(paths.dataDir, 0o700);
  fs.mkdirSync(paths.modelsDir, { recursive: true });
  fs.mkdirSync(paths.logsDir, { recursive: true, mode: 0o700 });
}
