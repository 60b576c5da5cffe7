import type { Db } from "./db.js";

/** What the registry knows about a model file, as stored. */
export interface ModelRow {
  id: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  architecture: string | null;
  parameters: number | null;
  contextLength: number | null;
  embeddingLength: number | null;
  fileType: string | null;
  hasChatTemplate: boolean;
  error: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
}

interface RawRow {
  id: string;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  architecture: string | null;
  parameters: number | null;
  context_length: number | null;
  embedding_length: number | null;
  file_type: string | null;
  chat_template: number;
  error: string | null;
  first_seen_ms: number;
  last_seen_ms: number;
}

const fromRaw = (r: RawRow): ModelRow => ({
  id: r.id,
  path: r.path,
  sizeBytes: r.size_bytes,
  mtimeMs: r.mtime_ms,
  architecture: r.architecture,
  parameters: r.parameters,
  contextLength: r.context_length,
  embeddingLength: r.embedding_length,
  fileType: r.file_type,
  hasChatTemplate: r.chat_template === 1,
  error: r.error,
  firstSeenMs: r.first_seen_ms,
  lastSeenMs: r.last_seen_ms,
});

export type ModelUpsert = Omit<ModelRow, "firstSeenMs" | "lastSeenMs">;

/** A model file's SHA-256 and the `<size>:<mtime_ms>:<path>` it was computed for. */
export interface StoredHash {
  id: string;
  sha256: string;
  of: string;
}

/** The `models` table: the last scan of the models dir, kept across restarts. */
export class ModelsRepo {
  private readonly listStmt;
  private readonly upsertStmt;
  private readonly markAbsentStmt;
  private readonly hashesStmt;
  private readonly setHashStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.listStmt = db.prepare<[], RawRow>("SELECT * FROM models WHERE present = 1 ORDER BY id");
    this.upsertStmt = db.prepare(
      `INSERT INTO models (id, path, size_bytes, mtime_ms, architecture, parameters, context_length,
         embedding_length, file_type, chat_template, error, first_seen_ms, last_seen_ms, present)
       VALUES (@id, @path, @sizeBytes, @mtimeMs, @architecture, @parameters, @contextLength,
         @embeddingLength, @fileType, @chatTemplate, @error, @now, @now, 1)
       ON CONFLICT(id) DO UPDATE SET path = excluded.path, size_bytes = excluded.size_bytes,
         mtime_ms = excluded.mtime_ms, architecture = excluded.architecture,
         parameters = excluded.parameters, context_length = excluded.context_length,
         embedding_length = excluded.embedding_length, file_type = excluded.file_type,
         chat_template = excluded.chat_template, error = excluded.error,
         last_seen_ms = excluded.last_seen_ms, present = 1`,
    );
    this.markAbsentStmt = db.prepare<[string]>("UPDATE models SET present = 0 WHERE id = ?");
    this.hashesStmt = db.prepare<[], StoredHash>(
      `SELECT id, sha256, sha256_of AS "of" FROM models
       WHERE present = 1 AND sha256 IS NOT NULL AND sha256_of IS NOT NULL`,
    );
    // Only onto the row of the very file hashed: a rescan that saw another file in between wins.
    this.setHashStmt = db.prepare(
      `UPDATE models SET sha256 = @sha256, sha256_of = @of
       WHERE id = @id AND path = @path AND size_bytes = @sizeBytes AND mtime_ms = @mtimeMs`,
    );
  }

  /** The hashes stored for present models (each valid only for the file its `of` names). */
  storedHashes(): StoredHash[] {
    return this.hashesStmt.all();
  }

  /** Records the hash of the file `id` has now; false when the row describes another file. */
  setHash(
    file: { id: string; path: string; sizeBytes: number; mtimeMs: number },
    sha256: string,
    of: string,
  ): boolean {
    const { id, path, sizeBytes, mtimeMs } = file;
    return this.setHashStmt.run({ id, path, sizeBytes, mtimeMs, sha256, of }).changes === 1;
  }

  listPresent(): ModelRow[] {
    return this.listStmt.all().map(fromRaw);
  }

  /** Replaces the set of present models with `rows` in one transaction. */
  replacePresent(rows: ModelUpsert[]): void {
    const now = this.now();
    this.db.transaction(() => {
      const keep = new Set(rows.map((r) => r.id));
      for (const old of this.listStmt.all()) if (!keep.has(old.id)) this.markAbsentStmt.run(old.id);
      for (const r of rows) {
        this.upsertStmt.run({ ...r, chatTemplate: r.hasChatTemplate ? 1 : 0, now });
      }
    })();
  }
}
