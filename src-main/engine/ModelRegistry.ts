import type { Dirent } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { GgufFileType, GgufInsights, readGgufFileInfo } from "node-llama-cpp";
import type { Logger } from "pino";

/** A GGUF file in the models dir, described from its header without loading weights. */
export interface LocalModel {
  /** API model id: the file name without `.gguf` (and without a `-00001-of-0000N` split suffix). */
  id: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  architecture: string | null;
  parameters: number | null;
  contextLength: number | null;
  embeddingLength: number | null;
  /** Dominant quantization from `general.file_type`, e.g. `Q4_0`. */
  fileType: string | null;
  hasChatTemplate: boolean;
  /** Set when the header could not be read; such a model is listed but cannot be served. */
  error: string | null;
}

export interface ModelRegistryOptions {
  modelsDir: string;
  log: Logger;
  /** Called with the full list after every scan that changed it (persisted by the core). */
  onChange?: (models: LocalModel[]) => void;
  /** Folder depth scanned below the models dir. Defaults to `3` (publisher/model/file.gguf). */
  maxDepth?: number;
}

const SPLIT_PART = /-(\d{5})-of-(\d{5})$/;
/** How often a lookup of the same unknown id may rescan the folder. Defaults to 2 s. */
const MISS_RESCAN_MS = 2_000;

/**
 * The local models: every `.gguf` under the models dir. Scans are cheap (readdir + stat) and
 * headers are re-read only when a file's size or mtime changes, so the registry rescans on
 * every listing and on unknown ids: a file dropped into the folder is served without restart.
 */
export class ModelRegistry {
  private models = new Map<string, LocalModel>();
  private scanning?: Promise<LocalModel[]>;
  /** Unknown ids and when a lookup last rescanned for them. */
  private readonly misses = new Map<string, number>();

  constructor(private readonly opts: ModelRegistryOptions) {}

  /** Rescans the folder (single-flight) and returns all models sorted by id. */
  scan(): Promise<LocalModel[]> {
    this.scanning ??= this.doScan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Last scan's view of one model. */
  peek(id: string): LocalModel | undefined {
    return this.models.get(id);
  }

  /**
   * Finds a model, rescanning if the id is not known yet — at most once per 2 s for the same
   * unknown id: every request for a remote pool asks here first, and a folder scan per request
   * would cost more than the request.
   */
  async find(id: string): Promise<LocalModel | undefined> {
    const known = this.models.get(id);
    if (known) return known;
    const now = Date.now();
    const lastMiss = this.misses.get(id);
    if (lastMiss !== undefined && now - lastMiss < MISS_RESCAN_MS) return undefined;
    const found = (await this.scan()).find((m) => m.id === id);
    if (found) this.misses.delete(id);
    else {
      if (this.misses.size > 10_000) this.misses.clear();
      this.misses.set(id, now);
    }
    return found;
  }

  private async doScan(): Promise<LocalModel[]> {
    const files = await findGgufFiles(this.opts.modelsDir, this.opts.maxDepth ?? 3);
    const next = new Map<string, LocalModel>();
    let changed = false;
    for (const file of files) {
      const base = path.basename(file.path, path.extname(file.path));
      const split = SPLIT_PART.exec(base);
      if (split && split[1] !== "00001") continue; // later parts are read through the first
      const id = split ? base.slice(0, split.index) : base;
      if (next.has(id)) {
        this.opts.log.warn({ id, path: file.path }, "duplicate model id; keeping the first file");
        continue;
      }
      const known = this.models.get(id);
      if (
        known &&
        known.path === file.path &&
        known.sizeBytes === file.size &&
        known.mtimeMs === file.mtimeMs
      ) {
        next.set(id, known);
        continue;
      }
      changed = true;
      next.set(id, await describe(id, file, this.opts.log));
    }
    if (next.size !== this.models.size) changed = true;
    this.models = next;
    const list = [...next.values()].sort((a, b) => a.id.localeCompare(b.id));
    if (changed) this.opts.onChange?.(list);
    return list;
  }
}

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

async function findGgufFiles(dir: string, depth: number): Promise<FoundFile[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: FoundFile[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) {
      found.push(...(await findGgufFiles(full, depth - 1)));
    } else if (
      (entry.isFile() || entry.isSymbolicLink()) &&
      entry.name.toLowerCase().endsWith(".gguf")
    ) {
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat?.isFile())
        found.push({ path: full, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
    }
  }
  return found;
}

async function describe(id: string, file: FoundFile, log: Logger): Promise<LocalModel> {
  const base: LocalModel = {
    id,
    path: file.path,
    sizeBytes: file.size,
    mtimeMs: file.mtimeMs,
    architecture: null,
    parameters: null,
    contextLength: null,
    embeddingLength: null,
    fileType: null,
    hasChatTemplate: false,
    error: null,
  };
  try {
    // Reads only the header and tensor table, never the weights.
    const info = await readGgufFileInfo(file.path, { logWarnings: false });
    const insights = await GgufInsights.from(info);
    const fileType = info.metadata.general?.file_type;
    return {
      ...base,
      architecture: String(info.metadata.general?.architecture ?? "") || null,
      parameters: insights.totalParameters || null,
      contextLength: insights.trainContextSize ?? null,
      embeddingLength: insights.embeddingVectorSize ?? null,
      fileType:
        fileType === undefined
          ? null
          : (GgufFileType[fileType] ?? String(fileType)).replace(/^MOSTLY_/, ""),
      hasChatTemplate: typeof info.metadata.tokenizer?.chat_template === "string",
    };
  } catch (err) {
    log.warn({ id, path: file.path, err: (err as Error).message }, "cannot read GGUF header");
    return { ...base, error: `Cannot read GGUF header: ${(err as Error).message}` };
  }
}
