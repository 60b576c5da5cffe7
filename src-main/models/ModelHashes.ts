import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { ModelsRepo } from "../store/modelsRepo.js";

/** What hashing needs to know of a model file (a `LocalModel` of the registry is one). */
export interface HashableModel {
  id: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  /** Set when the header could not be read: such a file is never served, so never hashed. */
  error: string | null;
}

interface Entry {
  file: HashableModel;
  key: string;
  sha256: string | null;
}

/** The file a hash belongs to: the same path, size and mtime (else it is another file). */
const keyOf = (m: HashableModel) => `${m.sizeBytes}:${m.mtimeMs}:${m.path}`;

/** Read size of the hashing stream. Defaults to 1 MiB: few chunks, each hashed in ~2 ms. */
const CHUNK_BYTES = 1 << 20;

/** SHA-256 of a file, streamed (never read whole). */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file, { highWaterMark: CHUNK_BYTES }), hash, { signal });
  return hash.digest("hex");
}

/**
 * The model version of local models for the audit record: `<file name> sha256:<hex>`, the GGUF
 * file's SHA-256. Hashes are computed in the background after a scan, one file at a time and
 * streamed, so neither startup nor any request waits for them; until a file's hash is known its
 * version reads `sha256:pending`. A hash is stored on the file's `models` row with the
 * `<size>:<mtime_ms>:<path>` it was computed for, so a restart does not hash again and a file
 * replaced in place (another size or mtime) is hashed anew.
 *
 * A model split in parts (`-00001-of-0000N`) is hashed by its first part, the file the registry
 * names.
 */
export class ModelHashes {
  private current = new Map<string, Entry>();
  private queue: HashableModel[] = [];
  private running?: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    private readonly opts: {
      repo: Pick<ModelsRepo, "storedHashes" | "setHash">;
      log: Logger;
      /** Tests only: the hash function. Defaults to a streamed SHA-256 (`sha256File`). */
      hash?: (file: string, signal: AbortSignal) => Promise<string>;
    },
  ) {}

  /**
   * The models the registry lists now (called after every scan that changed the list, once the
   * rows are saved): known hashes are taken from the rows, the others are queued.
   */
  update(models: readonly HashableModel[]): void {
    let stored = new Map<string, string>();
    try {
      stored = new Map(this.opts.repo.storedHashes().map((h) => [`${h.id}\n${h.of}`, h.sha256]));
    } catch (err) {
      // A database that cannot be read now only costs a hash computed again.
      this.opts.log.warn({ err }, "stored model hashes could not be read");
    }
    const next = new Map<string, Entry>();
    const todo: HashableModel[] = [];
    for (const file of models) {
      const key = keyOf(file);
      const known = this.current.get(file.id);
      const sha256 =
        known?.key === key && known.sha256 !== null
          ? known.sha256
          : (stored.get(`${file.id}\n${key}`) ?? null);
      next.set(file.id, { file, key, sha256 });
      if (sha256 === null && file.error === null) todo.push(file);
    }
    this.current = next;
    this.queue = todo;
    this.pump();
  }

  /** `<file name> sha256:<hex or pending>` of a local model; null for an id not listed. */
  versionOf(id: string): string | null {
    const entry = this.current.get(id);
    if (!entry) return null;
    return `${path.basename(entry.file.path)} sha256:${entry.sha256 ?? "pending"}`;
  }

  /** Resolves once the queue is empty (tests wait on it; nothing else needs to). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops hashing (the file being read is abandoned) and waits for the worker to end. */
  async close(): Promise<void> {
    this.abort.abort();
    this.queue = [];
    await this.idle();
  }

  private pump(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A scan that queued files while the last one finished.
      if (this.queue.length > 0) this.pump();
    });
  }

  private async drain(): Promise<void> {
    const hash = this.opts.hash ?? sha256File;
    for (let file = this.queue.shift(); file; file = this.queue.shift()) {
      if (this.abort.signal.aborted) return;
      const key = keyOf(file);
      let sha256: string;
      try {
        sha256 = await hash(file.path, this.abort.signal);
        // Changed while it was read: the hash is of no one file; the next scan queues it again.
        const st = await fs.stat(file.path);
        if (st.size !== file.sizeBytes || Math.trunc(st.mtimeMs) !== Math.trunc(file.mtimeMs))
          continue;
      } catch (err) {
        if (!this.abort.signal.aborted)
          this.opts.log.warn({ err, model: file.id }, "a model file could not be hashed");
        continue;
      }
      const entry = this.current.get(file.id);
      if (entry?.key === key) entry.sha256 = sha256;
      try {
        this.opts.repo.setHash(file, sha256, key);
      } catch (err) {
        // A full disk: the hash serves from memory and is computed again after a restart.
        this.opts.log.warn({ err, model: file.id }, "a model file's hash could not be stored");
      }
      this.opts.log.info({ model: file.id, sha256 }, "model file hashed");
    }
  }
}
