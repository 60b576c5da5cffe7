// Routing benchmark: the latency `auto` adds over calling the model it routes to directly, per
// classifier, in one run:
//   direct   POST /v1/chat/completions to the local model itself (the baseline)
//   grammar  `auto` with the grammar classifier (the router model writes one category name)
//   knn      `auto` with the embedding classifier (one embedding, nearest example prompt)
// Every category routes to the same local model, so the three differ only by classification.
// Requests are sequential (one client), `max_tokens: 1`, greedy, with a short varied prompt;
// the three targets alternate within each round and the figures are p50/p99 over all rounds.
// It also times the classifier alone through `POST /manage/v1/routes/test` (no answer).
// It reports; no figure fails the run. docs/BENCHMARKS.md describes the output.
//
//   npx tsx bench/routing.ts [--quick] [--requests 40] [--rounds 3] [--threads 2]
//     [--model <gguf>] [--tiny] [--out bench/results/routing.json]
// --tiny uses the test suite's tiny generated model instead of the 0.5B-shaped bench model.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigSchema } from "../src-main/app/config.js";
import { createCore } from "../src-main/app/createCore.js";
import { writeLlamaModel, TINY_MODEL } from "../test/fixtures/gguf/makeLlamaModel.js";
import { addBenchMember } from "./lib/benchKeys.js";
import { ForeignCpu } from "./lib/cpu.js";
import { ensureBenchModel } from "./lib/model.js";
import { machineInfo } from "./lib/proc.js";
import { median } from "./lib/stats.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    requests: { type: "string" },
    rounds: { type: "string" },
    threads: { type: "string", default: "2" },
    model: { type: "string" },
    tiny: { type: "boolean", default: false },
    out: { type: "string", default: "bench/results/routing.json" },
  },
});
/** Requests per target per round. Default 40; --quick 10. */
const REQUESTS = Number(flags.requests ?? (flags.quick ? 10 : 40));
/** Rounds (targets alternate within each). Default 3; --quick 1. */
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 3));
const THREADS = Number(flags.threads);

/** Short prompts of every kind, cycled: the classifier reads each. */
const PROMPTS = [
  "Write a TypeScript function that parses a date.",
  "hello!",
  "What is the capital of Portugal?",
  "Prove that there are infinitely many primes.",
  "Summarize the causes of the French revolution.",
  "Why does my Python loop never end?",
  "thanks, that helped",
  "Plan a week of vegetarian dinners.",
];
/** kNN examples per category (what `knn` compares with). */
const EXAMPLES: Record<string, string[]> = {
  simple: ["hello", "thanks!", "what time zone is Lisbon in?"],
  general: ["Tell me about the history of Rome", "Write a short poem about autumn"],
  reasoning: ["Prove that the square root of two is irrational", "Solve 3x + 7 = 22 step by step"],
  code: ["Write a function in Go that sorts a slice", "Why does my Rust code not compile?"],
};

function modelPath(): string {
  if (flags.model) return path.resolve(flags.model);
  if (!flags.tiny) return ensureBenchModel().path;
  const file = path.join(os.tmpdir(), "benchtop-routing-tiny.gguf");
  if (!fs.existsSync(file)) writeLlamaModel(file, TINY_MODEL);
  return file;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-bench-routing-"));
const modelsDir = path.join(dataDir, "models");
fs.mkdirSync(modelsDir);
fs.symlinkSync(modelPath(), path.join(modelsDir, "bench.gguf"));
const core = await createCore({
  config: ConfigSchema.parse({
    dataDir,
    modelsDir,
    server: { host: "127.0.0.1", port: 0 },
    engine: { gpu: false, binary: "prebuilt", threads: THREADS, idleTtlS: 0 },
    log: { level: "silent" },
  }),
});
const member = addBenchMember(core.store);
const { routing } = core.store;
for (const [name, examples] of Object.entries(EXAMPLES))
  routing.putCategory({ ...routing.category(name)!, examples, target: "bench" });

type Target = "direct" | "grammar" | "knn";
const setClassifier = (c: "grammar" | "knn") =>
  routing.setSettings({ ...routing.settingsNow(), classifier: c });

async function chat(target: Target, prompt: string): Promise<{ ms: number; route: string }> {
  if (target !== "direct") setClassifier(target);
  const t0 = performance.now();
  const res = await fetch(`${core.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${member.key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: target === "direct" ? "bench" : "auto",
      messages: [{ role: "user", content: prompt }],
      max_tokens: 1,
      temperature: 0,
    }),
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${target}: HTTP ${res.status}`);
  return { ms, route: res.headers.get("x-benchtop-route") ?? "" };
}

async function classifyOnly(c: "grammar" | "knn", prompt: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${core.url}/manage/v1/routes/test`, {
    method: "POST",
    headers: { authorization: `Bearer ${core.ownerToken}`, "content-type": "application/json" },
    body: JSON.stringify({ prompt, classifier: c }),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`route test ${c}: HTTP ${res.status}`);
  return performance.now() - t0;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

const hostPid = () => core.engine.supervisor.hostInfo?.pid;
const foreign = new ForeignCpu(() => [process.pid, ...(hostPid() ? [hostPid()!] : [])]);
try {
  // Warm-up: the model loads, the kNN examples are embedded once, the grammar is compiled.
  for (const t of ["direct", "grammar", "knn"] as Target[])
    for (let i = 0; i < 3; i++) await chat(t, PROMPTS[i]!);
  const samples: Record<Target, number[]> = { direct: [], grammar: [], knn: [] };
  const classifyMs: Record<"grammar" | "knn", number[]> = { grammar: [], knn: [] };
  const categories: Record<"grammar" | "knn", Record<string, number>> = { grammar: {}, knn: {} };
  const before = foreign.sample();
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < REQUESTS; i++) {
      const prompt = PROMPTS[(r * REQUESTS + i) % PROMPTS.length]!;
      for (const t of ["direct", "grammar", "knn"] as Target[]) {
        const { ms, route } = await chat(t, prompt);
        samples[t].push(ms);
        if (t !== "direct") {
          const cat = route.split(" -> ")[0]!;
          categories[t][cat] = (categories[t][cat] ?? 0) + 1;
          classifyMs[t].push(await classifyOnly(t, prompt));
        }
      }
    }
  const foreignCores = foreign.cores(before, foreign.sample());
  const stats = (xs: number[]) => ({ p50: round1(median(xs)), p99: round1(pct(xs, 99)) });
  const direct = stats(samples.direct);
  const report = {
    when: new Date().toISOString(),
    machine: machineInfo(),
    model: path.basename(modelPath()),
    threads: THREADS,
    requestsPerTarget: samples.direct.length,
    foreignCores: round1(foreignCores),
    direct,
    auto: Object.fromEntries(
      (["grammar", "knn"] as const).map((c) => {
        const s = stats(samples[c]);
        return [
          c,
          {
            ...s,
            addedP50Ms: round1(s.p50 - direct.p50),
            addedP99Ms: round1(s.p99 - direct.p99),
            ratioP50: Math.round((s.p50 / direct.p50) * 100) / 100,
            classifierOnly: stats(classifyMs[c]),
            categories: categories[c],
          },
        ];
      }),
    ),
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `\nauto adds, p50: grammar ${report.auto.grammar!.addedP50Ms} ms (${report.auto.grammar!.ratioP50}x direct), ` +
      `knn ${report.auto.knn!.addedP50Ms} ms (${report.auto.knn!.ratioP50}x direct); direct p50 ${direct.p50} ms`,
  );
  fs.mkdirSync(path.dirname(flags.out), { recursive: true });
  fs.writeFileSync(flags.out, JSON.stringify(report, null, 2));
} finally {
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
