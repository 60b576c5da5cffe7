import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { NEW_MODEL_ID } from "../contract/index.js";
import type { Validator } from "./httpTransfer.js";

/**
 * The files of an unfinished download in the models folder: `<id>.gguf.part` (the bytes so far;
 * the registry lists only `*.gguf`, so it never sees them) and its sidecar `<id>.gguf.part.json`
 * (URL and validator), which lets the next start list the download as paused and resume it.
 */
export interface Sidecar {
  url: string;
  model_id: string;
  validator: Validator | null;
  bytes_total: number | null;
  created_ms: number;
}

const SIDECAR = ".gguf.part.json";

export const partPath = (modelsDir: string, modelId: string) =>
  path.join(modelsDir, `${modelId}.gguf.part`);

export const sidecarPath = (modelsDir: string, modelId: string) =>
  path.join(modelsDir, `${modelId}${SIDECAR}`);

/** Bytes in a file; 0 when there is none. */
export async function sizeOf(file: string): Promise<number> {
  return (await fsp.stat(file).catch(() => undefined))?.size ?? 0;
}

export function writeSidecar(modelsDir: string, sidecar: Sidecar): void {
  fs.writeFileSync(sidecarPath(modelsDir, sidecar.model_id), JSON.stringify(sidecar));
}

export async function removePartFiles(modelsDir: string, modelId: string): Promise<void> {
  await fsp.rm(partPath(modelsDir, modelId), { force: true });
  await fsp.rm(sidecarPath(modelsDir, modelId), { force: true });
}

/**
 * Every sidecar in the models folder with the size of its `.part` file. Unreadable sidecars, and
 * ones whose id does not match their file name, are skipped (reported to `onBad`).
 */
export function readSidecars(
  modelsDir: string,
  onBad: (file: string, reason: string) => void,
): Array<{ sidecar: Sidecar; bytesOnDisk: number }> {
  let names: string[];
  try {
    names = fs.readdirSync(modelsDir).filter((n) => n.endsWith(SIDECAR));
  } catch {
    return [];
  }
  const found: Array<{ sidecar: Sidecar; bytesOnDisk: number }> = [];
  for (const name of names) {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(modelsDir, name), "utf8")) as Sidecar;
      if (
        typeof s.url !== "string" ||
        !NEW_MODEL_ID.test(s.model_id) ||
        name !== `${s.model_id}${SIDECAR}`
      ) {
        onBad(name, "id and file name disagree");
        continue;
      }
      const part = partPath(modelsDir, s.model_id);
      found.push({ sidecar: s, bytesOnDisk: fs.existsSync(part) ? fs.statSync(part).size : 0 });
    } catch (err) {
      onBad(name, (err as Error).message);
    }
  }
  return found;
}
