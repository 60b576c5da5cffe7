import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigSchema } from "../../src-main/app/config.js";
import type { createCore as CreateCore } from "../../src-main/app/createCore.js";
import { addBenchMember, type BenchMember } from "./benchKeys.js";
import type { LimitsDto } from "../../src-main/contract/limits.js";
import { rssMiB, sleep } from "./proc.js";
import { streamCompletion } from "./sseClient.js";
import type { StreamResult } from "./stats.js";
import type { CompletionRequest, ServingSystem } from "./system.js";

export interface BenchtopOptions {
  modelPath: string;
  threads: number;
  contextSize: number;
  sequences: number;
  /** Which llama.cpp binary the engine host loads (`engine.binary`). */
  binary: "auto" | "prebuilt" | "native";
  /**
   * Which build of the core to start: `src` (TypeScript through tsx; the engine host then also
   * runs under tsx's loader, which costs it some RSS) or `dist` (`npm run build:main` output, as
   * shipped). Defaults to `src`.
   */
  core: "src" | "dist";
}

export const MODEL_ID = "bench";

/** Benchtop's side of the bench: where it listens, and members to call it as. */
export interface BenchtopHandle {
  url: string;
  /** The model id the bench model is served as. */
  model: string;
  /** The member every `http.stream` request is sent as. */
  member: BenchMember;
  /** Another member with their own key (fairness runs need two), and limits of their own. */
  addMember(name: string, limits?: LimitsDto): BenchMember;
}

/**
 * Benchtop's real core, started in this process with `createCore` as the CLI does (port 0, logs
 * off), serving the model from a temporary models dir. `http` drives it over HTTP like any
 * client; `engine` calls `core.engine.generate` directly (engine host + IPC, no HTTP, gateway or
 * SSE), to tell where overhead comes from. Records RSS of the core process and of the engine
 * host child: idle (host not started yet), with the host started and no model, and loaded.
 * Requests are sent with a member's key, created through the store at start.
 */
export async function startBenchtop(
  opts: BenchtopOptions,
): Promise<{ http: ServingSystem; engine: ServingSystem; benchtop: BenchtopHandle }> {
  // This process before the core is imported: tsx, the bench, zod and node-llama-cpp's JS.
  const rssBeforeCoreMiB = rssMiB(process.pid);
  const { createCore } = (await import(
    opts.core === "dist" ? "../../dist/main/app/createCore.js" : "../../src-main/app/createCore.js"
  )) as { createCore: typeof CreateCore };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-bench-data-"));
  const modelsDir = path.join(dataDir, "models");
  fs.mkdirSync(modelsDir);
  fs.symlinkSync(opts.modelPath, path.join(modelsDir, `${MODEL_ID}.gguf`));
  const config = ConfigSchema.parse({
    dataDir,
    modelsDir,
    server: { host: "127.0.0.1", port: 0 },
    engine: {
      gpu: false,
      binary: opts.binary,
      threads: opts.threads,
      sequences: opts.sequences,
      contextSize: opts.contextSize,
      idleTtlS: 0, // never unload in the middle of the bench
    },
    log: { level: "silent" },
  });
  const core = await createCore({ config });
  const url = core.url!;
  const member = addBenchMember(core.store);
  // Let start-up garbage settle before reading RSS; these are snapshots, not peaks.
  await sleep(500);
  const coreIdleMiB = rssMiB(process.pid);
  const host = await core.engine.supervisor.ensureStarted();
  await sleep(500);
  const hostIdleMiB = rssMiB(host.pid);
  const loaded = await core.engine.load(MODEL_ID);
  await sleep(500);
  const info = {
    core: opts.core,
    url,
    buildType: host.buildType,
    llamaCppRelease: host.llamaCppRelease,
    hostThreads: host.threads,
    loadMs: loaded.loadMs,
    contextSize: loaded.contextSize,
    sequences: loaded.sequences,
    /** The core runs in this bench process: its RSS includes `rssBeforeCoreMiB`. */
    rssBeforeCoreMiB,
    coreIdleRssMiB: coreIdleMiB,
    hostIdleRssMiB: hostIdleMiB,
    coreLoadedRssMiB: rssMiB(process.pid),
    hostLoadedRssMiB: rssMiB(host.pid),
  };
  const pids = () => [process.pid, core.engine.supervisor.hostInfo?.pid ?? host.pid];

  async function engineStream(req: CompletionRequest): Promise<StreamResult> {
    const startMs = performance.now();
    const tokenTimesMs: number[] = [];
    let tokens = 0;
    let promptTokens: number | undefined;
    const events = core.engine.generate(
      MODEL_ID,
      { kind: "text", prompt: req.prompt },
      { maxTokens: req.maxTokens, temperature: 0, topP: 1, stop: [] },
      { signal: new AbortController().signal },
    );
    for await (const event of events) {
      if (event.type === "delta") tokenTimesMs.push(performance.now());
      else if (event.type === "started") promptTokens = event.promptTokens;
      else if (event.type === "done") tokens = event.usage.completionTokens;
    }
    return {
      startMs,
      tokenTimesMs,
      endMs: performance.now(),
      tokens,
      tokensFrom: "meter",
      promptTokens,
    };
  }

  return {
    http: {
      name: "benchtop",
      pids,
      info,
      stream: (req) => streamCompletion(url, MODEL_ID, req, { apiKey: member.key }),
      async close() {
        await core.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    },
    engine: {
      name: "bt-engine",
      pids,
      info: { note: "Benchtop's LocalEngine.generate in-process: engine host + IPC, no HTTP" },
      stream: engineStream,
      close: async () => undefined, // the core is closed by `http`
    },
    benchtop: {
      url,
      model: MODEL_ID,
      member,
      addMember: (name, limits) => {
        const added = addBenchMember(core.store, name);
        if (limits) core.store.limits.setLimits(added.memberId, limits);
        return added;
      },
    },
  };
}
