// Local serving benchmark: the same GGUF served three ways (four with --breakdown), in one run.
//   direct        node-llama-cpp in this process (the baseline)
//   benchtop      Benchtop's real core (createCore), over HTTP + SSE (/v1/completions)
//   llama-server  llama.cpp's own server from the same llama.cpp commit (bench/build-llama-server.sh)
//   bt-engine     (--breakdown) Benchtop's engine without HTTP: engine host + IPC only
// Then, on Benchtop alone: fairness between two members (B's TTFT while A floods) and the
// second turn of a long chat (TTFT and cached_tokens when turn 2 extends turn 1).
// It reports; no figure fails the run. docs/BENCHMARKS.md explains the output.
//
//   npx tsx bench/local-serving.ts [--quick] [--threads 2] [--model file.gguf] [--tokens 128]
//     [--prompt 128] [--reps 3] [--ttft-runs 11] [--ctx 1024] [--core src|dist] [--quiet-wait 30]
//     [--breakdown] [--no-llama-server] [--no-fairness] [--flood 3] [--fairness-probes 5]
//     [--no-second-turn] [--turn-prompt 8192] [--turn-ctx 16384] [--turn-reps 3]
//     [--out bench/results/local-serving.json]
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startBenchtop } from "./lib/benchtop.js";
import { measureCliRss } from "./lib/cliRss.js";
import { ForeignCpu } from "./lib/cpu.js";
import { startDirect } from "./lib/direct.js";
import type { LimitsDto } from "../src-main/contract/limits.js";
import { measureFairness, printFairness, type FairnessResult } from "./lib/fairness.js";
import { LLAMA_SERVER_BIN, startLlamaServer } from "./lib/llamaServer.js";
import { ensureBenchModel } from "./lib/model.js";
import { machineInfo, sleep } from "./lib/proc.js";
import { aggregateSystem, printReport, type TtftSamples } from "./lib/report.js";
import { measureSecondTurn, printSecondTurn, type SecondTurnResult } from "./lib/secondTurn.js";
import { summarizeRun, type RunSummary, type StreamResult } from "./lib/stats.js";
import type { ServingSystem } from "./lib/system.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    threads: { type: "string", default: "2" },
    model: { type: "string" },
    tokens: { type: "string" },
    prompt: { type: "string", default: "128" },
    reps: { type: "string" },
    "ttft-runs": { type: "string" },
    ctx: { type: "string", default: "1024" },
    core: { type: "string", default: "src" },
    binary: { type: "string", default: "auto" },
    "quiet-wait": { type: "string" },
    breakdown: { type: "boolean", default: false },
    "no-llama-server": { type: "boolean", default: false },
    "no-fairness": { type: "boolean", default: false },
    flood: { type: "string" },
    "fairness-probes": { type: "string" },
    "no-second-turn": { type: "boolean", default: false },
    "turn-prompt": { type: "string" },
    "turn-ctx": { type: "string" },
    "turn-reps": { type: "string" },
    out: { type: "string", default: "bench/results/local-serving.json" },
  },
});

const int = (value: string | undefined, fallback: number, min = 1) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`expected an integer >= ${min}: ${value}`);
  return n;
};
function binaryFlag(value: string | undefined): "auto" | "prebuilt" | "native" {
  if (value === "auto" || value === "prebuilt" || value === "native") return value;
  throw new Error(`--binary is auto, prebuilt or native: ${value}`);
}
const quick = flags.quick;
const opts = {
  /** llama.cpp threads for every system. Default 2 (the 2-core machine these figures target). */
  threads: int(flags.threads, 2),
  /** Tokens requested per stream (max_tokens). Default 128; 32 with --quick. */
  tokens: int(flags.tokens, quick ? 32 : 128),
  /** Prompt length in tokens (1 character = 1 token with the generated model). Default 128. */
  promptTokens: int(flags.prompt, 128, 16),
  /** Repetitions of each concurrency level; medians are reported. Default 3; 1 with --quick. */
  reps: int(flags.reps, quick ? 1 : 3),
  /** Single-stream runs per prompt length for time to first token. Default 11; 3 with --quick. */
  ttftRuns: int(flags["ttft-runs"], quick ? 3 : 11),
  /** Context tokens per sequence (slot). Default 1024: room for prompt + tokens, small KV. */
  contextSize: int(flags.ctx, 1024),
  core: flags.core === "dist" ? ("dist" as const) : ("src" as const),
  /**
   * llama.cpp binary for direct and Benchtop (`engine.binary`): `auto` (the native build of
   * `npm run build:native-engine` when present), `prebuilt` or `native`. Default `auto`.
   */
  binary: binaryFlag(flags.binary),
  /**
   * Seconds to wait before each measured run for other processes to use under 0.15 cores (the
   * machine may be shared); the run then goes ahead anyway, and what others used is reported.
   * Default 30; 5 with --quick. 0: no waiting beyond a 0.5 s settle.
   */
  quietWaitS: int(flags["quiet-wait"], quick ? 5 : 30, 0),
  /** Member A's concurrent requests in the fairness run, in multiples of the sequences. Default 3. */
  floodFactor: int(flags.flood, 3),
  /** Member B's requests per fairness phase (idle, flood). Default 5; 3 with --quick. */
  fairnessProbes: int(flags["fairness-probes"], quick ? 3 : 5),
  /** Turn 1's user message in the second-turn run, tokens. Default 8192; 1024 with --quick. */
  turnPromptTokens: int(flags["turn-prompt"], quick ? 1024 : 8192, 16),
  /**
   * Context per sequence of the second-turn run's own Benchtop (the other runs keep --ctx).
   * Default 16384; 4096 with --quick. Must hold turn 1, its answer, the follow-up and turn 2.
   */
  turnContextSize: int(flags["turn-ctx"], quick ? 4096 : 16384),
  /** Conversations in the second-turn run. Default 3; 1 with --quick. */
  turnReps: int(flags["turn-reps"], quick ? 1 : 3),
};
/** Concurrent streams measured; 8 sequences (slots) are configured everywhere. */
const CONCURRENCY = [1, 4, 8] as const;
const SEQUENCES = 8;
/** Tokens requested by TTFT runs: only the first one is timed. */
const TTFT_MAX_TOKENS = 4;
/** A second TTFT prompt, short enough that prefill does not hide a few ms of overhead. */
const SHORT_PROMPT_TOKENS = 16;
/**
 * "TTFT while busy": a request sent 1.5 s after 2 others started (by then past their prefill and
 * decoding 128 tokens each), as when a teammate asks while two answers stream.
 */
const BUSY_DELAY_MS = 1500;
const BUSY_BACKGROUND = { streams: 2, tokens: 128 };
/** Second-turn run: its Benchtop's sequences (each holds --turn-ctx tokens of KV). */
const TURN_SEQUENCES = 2;
/** Second-turn run: the follow-up user message of turn 2, tokens. */
const TURN_FOLLOW_UP_TOKENS = 64;
/** Fairness run: how long member A floods before B's first request (sequences and queue fill). */
const FLOOD_HEAD_START_MS = 1500;

/**
 * The prompt of the next request: two leading characters unique to it, then digits. No two
 * requests share a prefix, so no system reuses KV cached from an earlier request (each pays
 * the full prefill). No lowercase letters, so no BPE merge applies: 1 character = 1 token.
 */
const ALPHABET = [...Array(94).keys()]
  .map((i) => String.fromCharCode(0x21 + i))
  .filter((c) => !/[a-z]/.test(c));
let requestCounter = 0;
function nextPrompt(length: number): string {
  const i = requestCounter++;
  const n = ALPHABET.length;
  const head = ALPHABET[i % n]! + ALPHABET[Math.floor(i / n) % n]!;
  return (head + "1234567890".repeat(Math.ceil(length / 10))).slice(0, length);
}

function concurrent(system: ServingSystem, streams: number, maxTokens: number, prompt: number) {
  return Promise.all(
    Array.from({ length: streams }, () => system.stream({ prompt: nextPrompt(prompt), maxTokens })),
  );
}

async function startSystems(modelPath: string) {
  const common = {
    modelPath,
    threads: opts.threads,
    contextSize: opts.contextSize,
    binary: opts.binary,
  };
  // Benchtop first: its idle RSS is read before anything in this process loads llama.cpp.
  const benchtop = await startBenchtop({ ...common, sequences: SEQUENCES, core: opts.core });
  const systems: ServingSystem[] = [benchtop.http];
  const handle = benchtop.benchtop;
  let llamaServerNote: string | undefined;
  try {
    systems.unshift(await startDirect({ ...common, sequences: SEQUENCES }));
    if (flags.breakdown) systems.push(benchtop.engine);
    if (flags["no-llama-server"]) llamaServerNote = "skipped (--no-llama-server)";
    else if (!fs.existsSync(LLAMA_SERVER_BIN)) {
      llamaServerNote = `skipped (run bench/build-llama-server.sh; no ${LLAMA_SERVER_BIN})`;
    } else {
      try {
        systems.push((await startLlamaServer({ ...common, slots: SEQUENCES }))!);
      } catch (err) {
        llamaServerNote = `failed to start: ${(err as Error).message}`;
      }
    }
  } catch (err) {
    for (const s of systems.reverse()) await s.close().catch(() => undefined);
    throw err;
  }
  return { systems, llamaServerNote, benchtop: handle };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const model = ensureBenchModel(flags.model);
  console.log(
    `model ${model.path} (${(model.bytes / 2 ** 20).toFixed(1)} MiB)` +
      (model.generatedMs ? `, generated in ${model.generatedMs} ms` : ""),
  );
  console.log(
    `threads ${opts.threads}, ${opts.promptTokens}-token prompts, max_tokens ${opts.tokens}, ` +
      `${opts.reps} rep(s), ${opts.ttftRuns} TTFT runs, ctx ${opts.contextSize}/seq, ` +
      `load avg ${machine.loadavg.join(" ")}`,
  );

  // Benchtop as shipped, in its own process, before anything else holds memory or CPU.
  const cliRss = await measureCliRss({
    modelPath: model.path,
    threads: opts.threads,
    contextSize: opts.contextSize,
    sequences: SEQUENCES,
  });
  console.log(`benchtop CLI RSS: ${JSON.stringify(cliRss)}`);

  const { systems, llamaServerNote, benchtop } = await startSystems(model.path);
  /**
   * Fairness twice: A unlimited (B waits for one of A's requests to end), then A capped at one
   * sequence less than the model has (`max_gpu_sequences`, what a lab lead sets in the default
   * limits so one member never holds every sequence): B finds the sequence A may not take.
   */
  let fairness: { open: FairnessResult; capped: FairnessResult } | undefined;
  let report: Record<string, unknown> = {};
  const cpu = new ForeignCpu(() => [...new Set(systems.flatMap((s) => s.pids()))]);
  const waitQuiet = () => cpu.waitForQuiet(opts.quietWaitS * 1000);
  try {
    for (const s of systems) console.log(`${s.name}: ${JSON.stringify(s.info)}`);
    if (llamaServerNote) console.log(`llama-server: ${llamaServerNote}`);

    /** One measured run: wait for a quiet machine, run, note what others used meanwhile. */
    const measure = async (
      s: ServingSystem,
      streams: number,
      maxTokens: number,
      prompt: number,
    ) => {
      await cpu.waitForQuiet(opts.quietWaitS * 1000);
      const before = cpu.sample();
      const results = await concurrent(s, streams, maxTokens, prompt);
      return { results, foreignCores: cpu.cores(before, cpu.sample()) };
    };

    // Warm-up: page in the weights and touch every sequence's buffers on each system.
    for (const s of systems) {
      await concurrent(s, 1, 8, opts.promptTokens);
      await concurrent(s, SEQUENCES, 8, opts.promptTokens);
    }

    const runs = new Map(systems.map((s) => [s.name, new Map<number, RunSummary[]>()]));
    for (let rep = 0; rep < opts.reps; rep++) {
      // Rotate the order each repetition so a burst of outside load does not favour one system.
      const order = systems.map((_, i) => systems[(i + rep) % systems.length]!);
      for (const n of CONCURRENCY) {
        for (const s of order) {
          const { results, foreignCores } = await measure(s, n, opts.tokens, opts.promptTokens);
          const summary = { ...summarizeRun(results), foreignCores };
          const list = runs.get(s.name)!;
          list.set(n, [...(list.get(n) ?? []), summary]);
          console.log(
            `rep ${rep + 1} N=${n} ${s.name.padEnd(12)} decode ${summary.decodeTps.toFixed(1)}` +
              `, steady ${summary.steadyTps.toFixed(1)}, e2e ${summary.e2eTps.toFixed(1)} t/s` +
              `, ${summary.tokens} tokens, others used ${foreignCores.toFixed(2)} cores`,
          );
        }
      }
    }

    type Kind = keyof TtftSamples;
    const ttft = new Map<string, TtftSamples>(
      systems.map((s) => [s.name, { full: [], short: [], busy: [] }]),
    );
    const addTtft = (s: ServingSystem, kind: Kind, r: StreamResult, foreignCores: number) => {
      const first = r.tokenTimesMs[0];
      if (first !== undefined)
        ttft.get(s.name)![kind].push({ ms: first - r.startMs, foreignCores });
    };
    for (let i = 0; i < opts.ttftRuns; i++) {
      for (const s of systems) {
        for (const [kind, length] of [
          ["full", opts.promptTokens],
          ["short", SHORT_PROMPT_TOKENS],
        ] as const) {
          const { results, foreignCores } = await measure(s, 1, TTFT_MAX_TOKENS, length);
          addTtft(s, kind, results[0]!, foreignCores);
        }
      }
    }
    for (let i = 0; i < Math.ceil(opts.ttftRuns / 2); i++) {
      for (const s of systems) {
        await cpu.waitForQuiet(opts.quietWaitS * 1000);
        const before = cpu.sample();
        const { streams, tokens } = BUSY_BACKGROUND;
        const background = concurrent(s, streams, tokens, opts.promptTokens);
        await sleep(BUSY_DELAY_MS);
        const prompt = nextPrompt(opts.promptTokens);
        const probe = await s.stream({ prompt, maxTokens: TTFT_MAX_TOKENS });
        await background;
        addTtft(s, "busy", probe, cpu.cores(before, cpu.sample()));
      }
    }

    if (!flags["no-fairness"]) {
      const runFairness = (label: string, floodLimits?: LimitsDto) =>
        measureFairness({
          url: benchtop.url,
          model: benchtop.model,
          floodKey: benchtop.addMember(`bench flood (A${label})`, floodLimits).key,
          probeKey: benchtop.addMember(`bench probe (B${label})`).key,
          floodStreams: opts.floodFactor * SEQUENCES,
          floodTokens: opts.tokens,
          probes: opts.fairnessProbes,
          probeTokens: TTFT_MAX_TOKENS,
          promptTokens: opts.promptTokens,
          nextPrompt,
          floodHeadStartMs: FLOOD_HEAD_START_MS,
          waitQuiet,
        });
      fairness = {
        open: await runFairness(""),
        capped: await runFairness(", capped", { max_gpu_sequences: SEQUENCES - 1 }),
      };
    }

    const reports = systems.map((s) =>
      aggregateSystem(s.name, s.info, runs.get(s.name)!, ttft.get(s.name)!),
    );
    const result = printReport(reports, {
      promptTokens: opts.promptTokens,
      shortPromptTokens: SHORT_PROMPT_TOKENS,
      llamaServerNote,
      cliRss,
    });

    if (fairness) {
      const o = { sequences: SEQUENCES, promptTokens: opts.promptTokens };
      printFairness(fairness.open, { ...o, title: "A without limits" });
      printFairness(fairness.capped, { ...o, title: `A with max_gpu_sequences ${SEQUENCES - 1}` });
    }
    report = result;
  } finally {
    for (const s of systems) await s.close().catch(() => undefined);
  }

  // After the other systems are closed: its own Benchtop with a context for a long chat.
  let secondTurn: SecondTurnResult | undefined;
  if (!flags["no-second-turn"]) {
    secondTurn = await measureSecondTurn({
      modelPath: model.path,
      threads: opts.threads,
      binary: opts.binary,
      core: opts.core,
      contextSize: opts.turnContextSize,
      sequences: TURN_SEQUENCES,
      promptTokens: opts.turnPromptTokens,
      followUpTokens: TURN_FOLLOW_UP_TOKENS,
      maxTokens: TTFT_MAX_TOKENS,
      reps: opts.turnReps,
      nextPrompt,
      // The main systems are closed: only this process and its engine host are ours now.
      waitQuiet: () => new ForeignCpu(() => [process.pid]).waitForQuiet(opts.quietWaitS * 1000),
    });
    printSecondTurn(secondTurn, {
      promptTokens: opts.turnPromptTokens,
      followUpTokens: TURN_FOLLOW_UP_TOKENS,
    });
  }

  const out = path.resolve(flags.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const record = {
    date: new Date().toISOString(),
    command: `npx tsx bench/local-serving.ts ${process.argv.slice(2).join(" ")}`.trim(),
    machine: { ...machine, loadavgAfter: machineInfo().loadavg },
    model: { path: model.path, bytes: model.bytes, spec: model.spec },
    options: {
      ...opts,
      quick,
      sequences: SEQUENCES,
      concurrency: CONCURRENCY,
      turnSequences: TURN_SEQUENCES,
      turnFollowUpTokens: TURN_FOLLOW_UP_TOKENS,
    },
    llamaServer: llamaServerNote ?? "measured",
    ...report,
    fairness: fairness ?? "skipped (--no-fairness)",
    secondTurn: secondTurn ?? "skipped (--no-second-turn)",
  };
  fs.writeFileSync(out, JSON.stringify(record, null, 2) + "\n");
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
