import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BENCH_MODEL_Q4_0,
  writeLlamaModel,
  type LlamaModelSpec,
} from "../../test/fixtures/gguf/makeLlamaModel.js";

/** bench/.cache (git-ignored): the generated model and the llama-server build live here. */
export const BENCH_CACHE = fileURLToPath(new URL("../.cache/", import.meta.url));
export const DEFAULT_MODEL_PATH = path.join(BENCH_CACHE, "bench-q4_0.gguf");

export interface BenchModel {
  path: string;
  bytes: number;
  /** The spec it was generated from; `undefined` for a model given with `--model`. */
  spec?: LlamaModelSpec;
  /** Milliseconds spent writing it in this run (0 when it was cached). */
  generatedMs: number;
}

/**
 * The bench model: `explicit` when given (any GGUF), else the generated Qwen2.5-0.5B-shaped
 * Q4_0 model, written once (about 9 s) and reused from bench/.cache on later runs. The file is
 * written under a temporary name and renamed, so an interrupted write never leaves a torn model.
 */
export function ensureBenchModel(explicit?: string): BenchModel {
  if (explicit) {
    const file = path.resolve(explicit);
    return { path: file, bytes: fs.statSync(file).size, generatedMs: 0 };
  }
  let generatedMs = 0;
  if (!fs.existsSync(DEFAULT_MODEL_PATH)) {
    fs.mkdirSync(BENCH_CACHE, { recursive: true });
    const started = performance.now();
    const tmp = `${DEFAULT_MODEL_PATH}.${process.pid}.tmp`;
    writeLlamaModel(tmp, BENCH_MODEL_Q4_0);
    fs.renameSync(tmp, DEFAULT_MODEL_PATH);
    generatedMs = Math.round(performance.now() - started);
  }
  return {
    path: DEFAULT_MODEL_PATH,
    bytes: fs.statSync(DEFAULT_MODEL_PATH).size,
    spec: BENCH_MODEL_Q4_0,
    generatedMs,
  };
}
