import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BENCH_CACHE } from "./model.js";
import { freePort, rssMiB, sleep } from "./proc.js";
import { streamCompletion } from "./sseClient.js";
import type { ServingSystem } from "./system.js";

/** Where bench/build-llama-server.sh puts the binary. */
export const LLAMA_SERVER_BIN = path.join(BENCH_CACHE, "llama.cpp-build", "bin", "llama-server");

export interface LlamaServerOptions {
  modelPath: string;
  threads: number;
  /** Tokens per slot; the server gets `slots × contextSize` in all, split evenly. */
  contextSize: number;
  slots: number;
  /** Seconds to wait for `/health`. Defaults to 120. */
  startTimeoutS?: number;
}

/**
 * llama.cpp's own server from the same llama.cpp commit node-llama-cpp ships, as the peer.
 * Flash attention is off because node-llama-cpp's contexts default to it off; everything else
 * is the server's default (continuous batching on, batch 2048 / ubatch 512).
 * Returns undefined when the binary has not been built.
 */
export async function startLlamaServer(
  opts: LlamaServerOptions,
): Promise<ServingSystem | undefined> {
  if (!fs.existsSync(LLAMA_SERVER_BIN)) return undefined;
  const port = await freePort();
  const args = [
    ["-m", opts.modelPath],
    ["--host", "127.0.0.1"],
    ["--port", String(port)],
    ["--parallel", String(opts.slots)],
    ["-t", String(opts.threads)],
    ["-tb", String(opts.threads)],
    ["-c", String(opts.slots * opts.contextSize)],
    ["--flash-attn", "off"],
    ["--no-webui"],
  ].flat();
  const started = performance.now();
  const child = spawn(LLAMA_SERVER_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (opts.startTimeoutS ?? 120) * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited during start:\n${stderr}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`llama-server did not become healthy:\n${stderr}`);
    }
    await sleep(200);
  }
  const info = {
    binary: LLAMA_SERVER_BIN,
    args: args.join(" "),
    loadMs: Math.round(performance.now() - started),
    rssLoadedMiB: rssMiB(child.pid),
  };
  return {
    name: "llama-server",
    pids: () => (child.pid === undefined ? [] : [child.pid]),
    info,
    stream: (req) => streamCompletion(url, "bench", req),
    async close() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
