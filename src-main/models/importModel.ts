import crypto from "node:crypto";
import { constants, createWriteStream, existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ggufFileProblem } from "../engine/modelFit.js";
import { roomFor } from "./diskSpace.js";
import { idFromFileName, publishFile } from "./modelFiles.js";
import { ModelsError } from "./ModelsError.js";

export interface ImportRequest {
  /** Absolute path of a GGUF file on this machine. */
  source: string;
  /** Model id; defaults to the file name without `.gguf`. */
  id?: string;
  modelsDir: string;
  modelExists: (id: string) => Promise<boolean>;
}

/**
 * Opened without blocking: opening a FIFO for reading would otherwise wait for a writer (for
 * ever, holding one of libuv's few file threads). Regular files read the same either way.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A name for the open file itself, where the OS has one (the checks then read that file). */
function pathOfOpen(fd: number, source: string): string {
  const dir = process.platform === "darwin" ? "/dev/fd" : "/proc/self/fd";
  // Elsewhere (Windows), or without /proc, the path itself: the copy is checked again anyway.
  return process.platform !== "win32" && existsSync(dir) ? `${dir}/${fd}` : source;
}

const notAFile = (source: string) =>
  new ModelsError("invalid", "not_a_file", `${source} is not a file.`, "path");

async function openSource(source: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(source, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw new ModelsError("invalid", "file_not_found", `No file at ${source}.`, "path");
    if (code === "EISDIR") throw notAFile(source);
    throw new ModelsError(
      "invalid",
      "invalid_model_file",
      `Cannot read the file: ${(err as Error).message}`,
      "path",
    );
  }
}

/**
 * Copies a GGUF file into the models folder as `<id>.gguf`, after checking that it is one (magic
 * bytes and a readable header). The file is opened once and everything after reads that open
 * file: its type (a FIFO or a device is refused, never read), the checks and the copy, so the
 * path cannot be swapped for another file in between. The copy goes to a hidden temp file, is
 * checked again (it is what gets served), and is linked into place only if no file of that name
 * appeared meanwhile. A copy that would leave under 1 GiB free on the disk is refused.
 */
export async function importModelFile(req: ImportRequest): Promise<{ id: string; bytes: number }> {
  if (!path.isAbsolute(req.source))
    throw new ModelsError("invalid", "invalid_path", "'path' must be an absolute path.", "path");
  const handle = await openSource(req.source);
  let temp: string | undefined;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notAFile(req.source);
    const id = req.id ?? idFromFileName(path.basename(req.source));
    if (!id)
      throw new ModelsError(
        "invalid",
        "invalid_model_id",
        "The file name is not a valid model id: pass 'id'.",
        "id",
      );
    const problem = await ggufFileProblem(pathOfOpen(handle.fd, req.source));
    if (problem) throw new ModelsError("invalid", "invalid_model_file", problem, "path");
    const exists = () =>
      new ModelsError(
        "conflict",
        "model_exists",
        `A model '${id}' is already in the models folder.`,
      );
    if (await req.modelExists(id)) throw exists();
    await roomFor(req.modelsDir, stat.size, undefined, "the copy").catch((err: Error) => {
      throw new ModelsError("conflict", "insufficient_disk_space", err.message);
    });
    temp = path.join(req.modelsDir, `.${id}.gguf.import-${crypto.randomBytes(4).toString("hex")}`);
    await pipeline(
      // The bytes the checks saw, and no more (a file still growing is cut at that size).
      handle.createReadStream({ start: 0, end: stat.size - 1, autoClose: false }),
      createWriteStream(temp, { flags: "wx" }),
    );
    const copied = await ggufFileProblem(temp);
    if (copied) throw new ModelsError("invalid", "invalid_model_file", copied, "path");
    await publishFile(temp, path.join(req.modelsDir, `${id}.gguf`)).catch((err) => {
      throw (err as NodeJS.ErrnoException).code === "EEXIST" ? exists() : err;
    });
    return { id, bytes: stat.size };
  } finally {
    await handle.close();
    if (temp) await fs.rm(temp, { force: true });
  }
}
