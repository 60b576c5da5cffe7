import fs from "node:fs/promises";
import path from "node:path";
import { NEW_MODEL_ID } from "../contract/index.js";

const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * Whether an id from a URL path may name an existing model: ids are file names without a folder,
 * so a separator, a NUL or a dot-only name can only be an attempt to leave the models dir.
 */
export function isSafeModelId(id: string): boolean {
  return (
    id.length > 0 &&
    id.length <= 255 &&
    !/[/\\\0]/.test(id) &&
    id !== "." &&
    id !== ".." &&
    !id.startsWith(".")
  );
}

/** The id a file name gives (`Qwen2.5-0.5B-Q4_K_M.gguf` → `Qwen2.5-0.5B-Q4_K_M`), if it is valid. */
export function idFromFileName(name: string): string | undefined {
  const base = name.replace(/\.gguf$/i, "");
  return NEW_MODEL_ID.test(base) ? base : undefined;
}

/** True when `file` lies inside `dir` (lexically: `..` segments and absolute escapes refused). */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

/**
 * Every file of a model: the file itself, or all `-0000k-of-0000N` parts of a split model.
 * Refuses (throws) a model whose files are not inside the models dir, or whose folder resolves
 * outside it through a symbolic link. The files themselves may be links: they are removed, never
 * followed.
 */
export async function modelFilesOf(modelsDir: string, modelPath: string): Promise<string[]> {
  if (!isInside(modelsDir, modelPath))
    throw new Error(`${modelPath} is not inside the models folder`);
  const folder = path.dirname(path.resolve(modelPath));
  const [realDir, realFolder] = await Promise.all([fs.realpath(modelsDir), fs.realpath(folder)]);
  if (realFolder !== realDir && !isInside(realDir, realFolder))
    throw new Error(`${modelPath} is not inside the models folder`);
  const split = SPLIT_PART.exec(path.basename(modelPath));
  if (!split) return [path.resolve(modelPath)];
  const [, stem, , count] = split;
  const names = await fs.readdir(folder);
  return names
    .filter((n) => {
      const m = SPLIT_PART.exec(n);
      return m !== null && m[1] === stem && m[3] === count;
    })
    .sort()
    .map((n) => path.join(folder, n));
}

/** Removes files (links are removed, not their targets); returns the bytes freed. */
export async function removeFiles(files: readonly string[]): Promise<number> {
  let freed = 0;
  for (const file of files) {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat) continue;
    if (!stat.isFile() && !stat.isSymbolicLink()) throw new Error(`${file} is not a file`);
    if (stat.isFile()) freed += stat.size;
    await fs.unlink(file);
  }
  return freed;
}

/**
 * Moves a finished temp file to `target` without ever replacing an existing file: a hard link
 * fails with EEXIST if `target` appeared meanwhile. Falls back to rename where the file system
 * has no hard links.
 */
export async function publishFile(temp: string, target: string): Promise<void> {
  try {
    await fs.link(temp, target);
    await fs.unlink(temp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw err;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV" && code !== "EMLINK") throw err;
    await fs.access(target).then(
      () => {
        throw Object.assign(new Error(`${target} exists`), { code: "EEXIST" });
      },
      () => undefined,
    );
    await fs.rename(temp, target);
  }
}
