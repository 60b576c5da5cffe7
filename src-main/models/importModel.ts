import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { ggufFileProblem } from "../engine/modelFit.js";
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
 * Copies a GGUF file into the models folder as `<id>.gguf`, after checking that it is one (magic
 * bytes and a readable header). The copy goes to a hidden temp file first, so the registry never
 * sees half a model, and is linked into place only if no file of that name appeared meanwhile.
 */
export async function importModelFile(req: ImportRequest): Promise<{ id: string; bytes: number }> {
  if (!path.isAbsolute(req.source))
    throw new ModelsError("invalid", "invalid_path", "'path' must be an absolute path.", "path");
  const stat = await fs.stat(req.source).catch(() => undefined);
  if (!stat)
    throw new ModelsError("invalid", "file_not_found", `No file at ${req.source}.`, "path");
  if (!stat.isFile())
    throw new ModelsError("invalid", "not_a_file", `${req.source} is not a file.`, "path");
  const id = req.id ?? idFromFileName(path.basename(req.source));
  if (!id)
    throw new ModelsError(
      "invalid",
      "invalid_model_id",
      "The file name is not a valid model id: pass 'id'.",
      "id",
    );
  const problem = await ggufFileProblem(req.source);
  if (problem) throw new ModelsError("invalid", "invalid_model_file", problem, "path");
  const exists = () =>
    new ModelsError("conflict", "model_exists", `A model '${id}' is already in the models folder.`);
  if (await req.modelExists(id)) throw exists();
  const temp = path.join(
    req.modelsDir,
    `.${id}.gguf.import-${crypto.randomBytes(4).toString("hex")}`,
  );
  try {
    await fs.copyFile(req.source, temp, fs.constants.COPYFILE_EXCL);
    await publishFile(temp, path.join(req.modelsDir, `${id}.gguf`)).catch((err) => {
      throw (err as NodeJS.ErrnoException).code === "EEXIST" ? exists() : err;
    });
  } finally {
    await fs.rm(temp, { force: true });
  }
  return { id, bytes: stat.size };
}
