import {
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  TokenMeter,
  type LlamaContextSequence,
} from "node-llama-cpp";
import { NATIVE_CMAKE } from "../../src-main/engine/nativeBuild.js";
import { rssMiB } from "./proc.js";
import type { StreamResult } from "./stats.js";
import type { CompletionRequest, ServingSystem } from "./system.js";

export interface DirectOptions {
  modelPath: string;
  threads: number;
  /** Tokens per sequence. */
  contextSize: number;
  sequences: number;
  /** Which llama.cpp binary, as `engine.binary` picks it for the engine host. */
  binary: "auto" | "prebuilt" | "native";
}

/**
 * The baseline: node-llama-cpp in this process, configured as Benchtop's engine host configures
 * it (same binary choice `build: "never"`, threads, sequences and context size), one
 * `LlamaCompletion` per stream on its own sequence, no IPC and no HTTP.
 */
export async function startDirect(opts: DirectOptions): Promise<ServingSystem> {
  const rssBefore = rssMiB(process.pid);
  const started = performance.now();
  const llama = await getLlama({
    gpu: false,
    build: "never",
    // The same choice the engine host makes (src-main/engine/host/engineHost.ts).
    ...(opts.binary === "prebuilt" ? {} : { cmakeOptions: NATIVE_CMAKE }),
    usePrebuiltBinaries: opts.binary !== "native",
    maxThreads: opts.threads,
    logLevel: LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath: opts.modelPath });
  const context = await model.createContext({
    contextSize: Math.min(opts.contextSize, model.trainContextSize),
    sequences: opts.sequences,
    threads: { ideal: opts.threads, min: opts.threads },
  });
  // Sequences are kept and reused between streams, as Benchtop's ResidentModel does.
  const free: LlamaContextSequence[] = Array.from({ length: context.totalSequences }, () =>
    context.getSequence(),
  );
  const info = {
    buildType: llama.buildType,
    llamaCppRelease: llama.llamaCppRelease.release,
    loadMs: Math.round(performance.now() - started),
    contextSize: context.contextSize,
    sequences: context.totalSequences,
    rssBeforeLoadMiB: rssBefore,
    rssAfterLoadMiB: rssMiB(process.pid),
  };

  async function stream(req: CompletionRequest): Promise<StreamResult> {
    const sequence = free.pop();
    if (!sequence) throw new Error("direct: more concurrent streams than sequences");
    const startMs = performance.now();
    const tokenTimesMs: number[] = [];
    const meterBefore = sequence.tokenMeter.getState();
    const completion = new LlamaCompletion({
      contextSequence: sequence,
      autoDisposeSequence: false,
    });
    try {
      const prompt = model.tokenize(req.prompt);
      await completion.generateCompletionWithMeta(prompt, {
        maxTokens: req.maxTokens,
        temperature: 0,
        // Fires where Benchtop's host sends a `delta` (same point in LlamaCompletion's loop).
        onToken: (tokens) => {
          const now = performance.now();
          for (let i = 0; i < tokens.length; i++) tokenTimesMs.push(now);
        },
      });
      const used = TokenMeter.diff(sequence.tokenMeter.getState(), meterBefore);
      return {
        startMs,
        tokenTimesMs,
        endMs: performance.now(),
        tokens: used.usedOutputTokens,
        tokensFrom: "meter",
        promptTokens: prompt.length,
      };
    } finally {
      completion.dispose({ disposeSequence: false });
      free.push(sequence);
    }
  }

  return {
    name: "direct",
    pids: () => [process.pid],
    info,
    stream,
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
