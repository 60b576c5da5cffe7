import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  TINY_MODEL,
  writeLlamaModel,
  type LlamaModelSpec,
} from "../fixtures/gguf/makeLlamaModel.js";

/**
 * Writes a generated model once per spec into a shared cache folder and returns its path.
 * Deterministic (same spec → same bytes), so concurrent test workers may race safely: each
 * writes a temp file and renames it into place.
 */
export function generatedModel(spec: LlamaModelSpec = TINY_MODEL, name = "tiny"): string {
  const dir = path.join(os.tmpdir(), "benchtop-test-models");
  fs.mkdirSync(dir, { recursive: true });
  const key = Buffer.from(JSON.stringify(spec)).toString("base64url").slice(0, 40);
  const file = path.join(dir, `${name}-${key}.gguf`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeLlamaModel(tmp, spec);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** A fresh models dir holding `models` (id → source file), linked rather than copied. */
export function modelsDir(models: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-models-"));
  for (const [id, source] of Object.entries(models))
    fs.symlinkSync(source, path.join(dir, `${id}.gguf`));
  return dir;
}
