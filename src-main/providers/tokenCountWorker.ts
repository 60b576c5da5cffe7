import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ApiError } from "../gateway/errors.js";

/**
 * gpt-tokenizer's counting, on a worker thread instead of the core's event loop. Counted there,
 * one 320,000-character run without spaces held `/health`, `/manage` and every `/v1` route for
 * 58 s (gpt-tokenizer's BPE is quadratic in the length of one pre-token), and a 2 MB one for
 * minutes. The worker also cuts every run of one character class (letters, punctuation,
 * whitespace) longer than `MAX_RUN` characters into pieces of that length before counting, which
 * makes counting linear; ordinary text has no such run and is counted exactly.
 *
 * One worker, started on first use and stopped after `IDLE_MS` without work. Jobs wait in its
 * queue in order; beyond `MAX_PENDING` of them counting is refused as busy (503).
 */

export type Encoding = "o200k_base" | "cl100k_base";

/** Characters of one class counted as one piece at most. Default 256 (no real word is longer). */
export const MAX_RUN = 256;
/** Counting jobs waiting or running at once. Default 64. */
export const MAX_PENDING = 64;
/** The worker stops after this long without work (it holds ~35 MB per encoding). Default 60 s. */
const IDLE_MS = 60_000;

/** Counting is refused: too many jobs are waiting for the worker. */
export class TokenCounterBusy extends ApiError {
  constructor() {
    super(
      503,
      "server_error",
      "Token counting is busy: too many counts are waiting. Try again shortly.",
      "tokenizer_busy",
      null,
      { "retry-after": "1" },
    );
  }
}

/** The worker's code (CommonJS, evaluated: no file to find in source, build or app bundle). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { modules, maxRun } = workerData;
const encoders = {};
const longRun = new RegExp(
  "[\\\\p{L}\\\\p{M}]{" + maxRun + ",}|[^\\\\s\\\\p{L}\\\\p{N}]{" + maxRun + ",}|\\\\s{" + maxRun + ",}",
  "gu",
);
function countText(count, text) {
  let n = 0;
  let at = 0;
  for (const m of text.matchAll(longRun)) {
    if (m.index > at) n += count(text.slice(at, m.index));
    const run = m[0];
    for (let i = 0; i < run.length; ) {
      let end = Math.min(run.length, i + maxRun);
      const code = run.charCodeAt(end);
      if (end < run.length && code >= 0xdc00 && code <= 0xdfff) end--;
      n += count(run.slice(i, end));
      i = end;
    }
    at = m.index + run.length;
  }
  if (at < text.length) n += count(text.slice(at));
  return n;
}
parentPort.on("message", ({ id, encoding, texts }) => {
  try {
    const encoder = (encoders[encoding] ??= require(modules[encoding]));
    parentPort.postMessage({ id, counts: texts.map((t) => countText(encoder.countTokens, t)) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

interface Job {
  resolve(counts: number[]): void;
  reject(err: Error): void;
}

class CountWorker {
  private worker?: Worker;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private idleTimer?: NodeJS.Timeout;

  count(encoding: Encoding, texts: string[]): Promise<number[]> {
    if (this.jobs.size >= MAX_PENDING) return Promise.reject(new TokenCounterBusy());
    const worker = this.start();
    clearTimeout(this.idleTimer);
    // Held open while it has work (a process may exit waiting for nothing else).
    worker.ref();
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      worker.postMessage({ id, encoding, texts });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        maxRun: MAX_RUN,
        modules: {
          o200k_base: require.resolve("gpt-tokenizer/encoding/o200k_base"),
          cl100k_base: require.resolve("gpt-tokenizer/encoding/cl100k_base"),
        },
      },
    });
    worker.on("message", (m: { id: number; counts?: number[]; error?: string }) => {
      const job = this.jobs.get(m.id);
      this.jobs.delete(m.id);
      if (m.counts) job?.resolve(m.counts);
      else job?.reject(new Error(`token counting failed: ${m.error}`));
      if (this.jobs.size === 0) this.idle(worker);
    });
    worker.on("error", (err) => this.stopped(worker, err));
    worker.on("exit", () => this.stopped(worker, new Error("the token counting worker stopped")));
    this.worker = worker;
    return worker;
  }

  private idle(worker: Worker): void {
    worker.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker === worker && this.jobs.size === 0) {
        this.worker = undefined;
        void worker.terminate();
      }
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  /** The worker died: its jobs fail, and the next count starts a new one. */
  private stopped(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
  }
}

/** The process's one counting worker (stateless: counts depend only on their input). */
const shared = new CountWorker();

/** Tokens of each text in `encoding`, counted on the worker thread. */
export function countTexts(encoding: Encoding, texts: string[]): Promise<number[]> {
  return shared.count(encoding, texts);
}
