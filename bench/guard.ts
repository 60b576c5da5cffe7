// Guard benchmark: the latency the guard step's detectors add per request, in sections that
// each measure one thing against a baseline taken in the same run (same process, same
// synthetic bodies, interleaved):
//   detectors  secrets + PII scanning of one prompt (src-main/guard/detect) vs the baseline of
//              a bare JSON.stringify + JSON.parse of the same chat body (what any gateway pays
//              to read a request); p50/p99 in ms and the ratio to the baseline.
//   step       the whole guard step (Guard.plan: walk every string of the request, scan, number
//              placeholders, copy the request with them) on a chat request as the OpenAI route
//              builds it (text view, client body, neutral conversation), for a remote target
//              under the default policy (KeyVault on, PII flagged), vs the same baseline. This is
//              the figure issue 16's target (≤ 1 ms p50 at 16 KB) is about.
//   http       end to end: the same chat through two Benchtop servers to one fake upstream on
//              loopback, interleaved request by request — one with the guard's real detectors,
//              one whose detectors find nothing (the walk stays, the scan goes) — p50/p99 of the
//              whole request and the difference.
// Prompts are synthetic (test/guard/fixtures/corpus.ts): prose and code mixed, with a few
// secrets and PII values in them, of 1 KB, 16 KB and 128 KB. It reports; no figure fails the run.
//
//   npx tsx bench/guard.ts [--quick] [--sizes 1,16,128] [--iterations 2000,600,80]
//     [--out bench/results/guard.json]
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import os from "node:os";
import { ConfigSchema } from "../src-main/app/config.js";
import { createCore, type Core } from "../src-main/app/createCore.js";
import { createDetectors } from "../src-main/guard/detect/index.js";
import { Guard } from "../src-main/guard/Guard.js";
import type { ChatRequest } from "../src-main/gateway/types.js";
import { GuardRepo } from "../src-main/store/guardRepo.js";
import { migrate, openDb } from "../src-main/store/db.js";
import { startFakeUpstream, type FakeUpstream } from "../test/fixtures/fakeUpstream.js";
import { addFakePool } from "../test/helpers/fakePool.js";
import { addBenchMember } from "./lib/benchKeys.js";
import { PII_MAKERS, SECRET_MAKERS, buildDocument, prng } from "../test/guard/fixtures/corpus.js";
import { machineInfo } from "./lib/proc.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string", default: "1,16,128" },
    iterations: { type: "string" },
    out: { type: "string", default: "bench/results/guard.json" },
  },
});
const SIZES_KB = flags.sizes!.split(",").map(Number);
/** Timed requests per size. Default 2000/600/80 (1/16/128 KB); --quick 200/100/15. */
const ITERATIONS = (flags.iterations ?? (flags.quick ? "200,100,15" : "2000,600,80"))
  .split(",")
  .map(Number);

/** p-th percentile (nearest rank) of `xs`, ms. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** `{<name>P50, <name>P99}` of `xs` (ms, 3 decimals). */
const p50p99 = (name: string, xs: readonly number[]) => ({
  [`${name}P50`]: r3(percentile(xs, 50)),
  [`${name}P99`]: r3(percentile(xs, 99)),
});

/** `p50/p99` as printed in the tables. */
const pair = (a: unknown, b: unknown) =>
  `${Number(a).toFixed(3)}/${Number(b).toFixed(3)}`.padEnd(18);

/** A synthetic prompt of about `kb` KiB: prose + code, with `secrets` secrets and `pii` PII values. */
export function syntheticPrompt(kb: number, seed: number, secrets = 3, pii = 3): string {
  const r = prng(seed);
  const secretTypes = Object.keys(SECRET_MAKERS);
  const piiTypes = Object.keys(PII_MAKERS);
  const planted = [
    ...Array.from({ length: secrets }, () => ({
      kind: "secret" as const,
      p: r.pick(SECRET_MAKERS[r.pick(secretTypes)]!)(r),
    })),
    ...Array.from({ length: pii }, () => ({
      kind: "pii" as const,
      p: r.pick(PII_MAKERS[r.pick(piiTypes)]!)(r),
    })),
  ];
  let text = buildDocument(r, planted, 4).text;
  // Pad with more clean filler documents (no planted values) to the size asked for.
  while (text.length < kb * 1024) text += buildDocument(r, [], 2).text;
  return text.slice(0, kb * 1024);
}

export interface SectionRow {
  section: string;
  sizeKb: number;
  iterations: number;
  [metric: string]: number | string;
}

/** Detectors section: per size, baseline vs secrets, PII and both, interleaved per request. */
export function runDetectorSection(sizesKb: number[], iterations: number[]): SectionRow[] {
  const detectors = createDetectors();
  const rows: SectionRow[] = [];
  sizesKb.forEach((kb, i) => {
    const n = iterations[i] ?? iterations.at(-1)!;
    // A few different prompts per size so no single text is all the JIT sees.
    const prompts = Array.from({ length: 8 }, (_, s) => syntheticPrompt(kb, 1000 * kb + s));
    const bodies = prompts.map((p) =>
      JSON.stringify({
        model: "m",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: p },
        ],
      }),
    );
    const base: number[] = [];
    const sec: number[] = [];
    const pii: number[] = [];
    const both: number[] = [];
    let sink = 0;
    const warmup = Math.max(20, Math.floor(n / 5));
    for (let k = -warmup; k < n; k++) {
      const body = bodies[(k + warmup) % bodies.length]!;
      const t0 = performance.now();
      const parsed = JSON.parse(body) as { messages: { content: string }[] };
      sink += JSON.stringify(parsed).length;
      const t1 = performance.now();
      const text = parsed.messages[1]!.content;
      const s = detectors.secrets(text);
      const t2 = performance.now();
      const p = detectors.pii(text);
      const t3 = performance.now();
      sink += s.length + p.length;
      if (k < 0) continue;
      base.push(t1 - t0);
      sec.push(t2 - t1);
      pii.push(t3 - t2);
      both.push(t3 - t1);
    }
    if (sink < 0) console.log(sink);
    rows.push({
      section: "detectors",
      sizeKb: kb,
      iterations: n,
      ...p50p99("baseline", base),
      ...p50p99("secrets", sec),
      ...p50p99("pii", pii),
      ...p50p99("detectors", both),
      ratioP50: Math.round((percentile(both, 50) / percentile(base, 50)) * 10) / 10,
    });
  });
  return rows;
}

function printDetectorSection(rows: SectionRow[]) {
  console.log(
    "\n== detectors: secrets + PII per prompt vs JSON.parse+stringify of the body (ms) ==",
  );
  console.log(
    "size     n     baseline p50/p99   secrets p50/p99   pii p50/p99      both p50/p99      both/baseline p50",
  );
  for (const r of rows) {
    console.log(
      `${String(r.sizeKb).padStart(3)} KB ${String(r.iterations).padStart(5)}  ${pair(r.baselineP50, r.baselineP99)} ${pair(r.secretsP50, r.secretsP99)}${pair(r.piiP50, r.piiP99)}${pair(r.detectorsP50, r.detectorsP99)}×${r.ratioP50}`,
    );
  }
}

/** A chat request as the OpenAI route builds it: the text view, the client's body, the turns. */
function chatRequest(prompt: string): ChatRequest {
  const messages = [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: prompt },
  ];
  return {
    model: "cloud",
    messages,
    sampling: { temperature: 1, topP: 1, stop: [] },
    body: { model: "cloud", messages },
    conversation: {
      turns: [
        { role: "system", text: "Be brief." },
        { role: "user", content: [{ type: "text", text: prompt }] },
      ],
      tools: [],
    },
  };
}

/** Guard step section: Guard.plan for a remote target vs the JSON baseline, interleaved. */
export function runStepSection(sizesKb: number[], iterations: number[]): SectionRow[] {
  const db = openDb(":memory:");
  migrate(db);
  const guard = new Guard({
    repo: new GuardRepo(db),
    detectors: () => createDetectors(),
    log: { error() {}, warn() {}, info() {} } as never,
  });
  const rows: SectionRow[] = [];
  sizesKb.forEach((kb, i) => {
    const n = iterations[i] ?? iterations.at(-1)!;
    const requests = Array.from({ length: 8 }, (_, s) =>
      chatRequest(syntheticPrompt(kb, 2000 * kb + s)),
    );
    const bodies = requests.map((r) => JSON.stringify(r.body));
    const base: number[] = [];
    const step: number[] = [];
    let sink = 0;
    const warmup = Math.max(20, Math.floor(n / 5));
    for (let k = -warmup; k < n; k++) {
      const j = (k + warmup) % requests.length;
      const t0 = performance.now();
      sink += JSON.stringify(JSON.parse(bodies[j]!)).length;
      const t1 = performance.now();
      const planned = guard.plan(requests[j]!, {
        memberId: "bench",
        requested: "cloud",
        targets: [{ model: "cloud", local: false }],
        restoreAsked: false,
      });
      const t2 = performance.now();
      sink += planned.length;
      if (k < 0) continue;
      base.push(t1 - t0);
      step.push(t2 - t1);
    }
    if (sink < 0) console.log(sink);
    rows.push({
      section: "step",
      sizeKb: kb,
      iterations: n,
      ...p50p99("baseline", base),
      ...p50p99("step", step),
      ratioP50: Math.round((percentile(step, 50) / percentile(base, 50)) * 10) / 10,
    });
  });
  db.close();
  return rows;
}

function printStepSection(rows: SectionRow[]) {
  console.log(
    "\n== guard step: Guard.plan for a remote target vs JSON.parse+stringify of the body (ms) ==",
  );
  console.log("size     n     baseline p50/p99   step p50/p99       step/baseline p50");
  for (const r of rows)
    console.log(
      `${String(r.sizeKb).padStart(3)} KB ${String(r.iterations).padStart(5)}  ${pair(r.baselineP50, r.baselineP99)} ${pair(r.stepP50, r.stepP99)} ×${r.ratioP50}`,
    );
}

/** A Benchtop core with a pool `cloud` on `up`; `scan: false` gives it detectors that find nothing. */
async function benchServer(up: FakeUpstream, scan: boolean): Promise<{ core: Core; key: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-bench-guard-"));
  const modelsDir = path.join(dataDir, "models");
  fs.mkdirSync(modelsDir);
  const core = await createCore({
    config: ConfigSchema.parse({
      dataDir,
      modelsDir,
      server: { host: "127.0.0.1", port: 0 },
      engine: { gpu: false, binary: "prebuilt", threads: 1 },
      pools: { probeIntervalS: 0 },
      log: { level: "silent" },
    }),
    ...(scan ? {} : { guardDetectors: () => ({ secrets: () => [], pii: () => [] }) }),
  });
  addFakePool(core, up, "cloud", "openai_compatible", "up");
  return { core, key: addBenchMember(core.store).key };
}

/** HTTP section: guard on vs detectors off, same prompts, interleaved request by request. */
export async function runHttpSection(
  sizesKb: number[],
  iterations: number[],
): Promise<SectionRow[]> {
  const up = await startFakeUpstream({ protocol: "openai" });
  const on = await benchServer(up, true);
  const off = await benchServer(up, false);
  const rows: SectionRow[] = [];
  const post = async (s: { core: Core; key: string }, body: string) => {
    const t0 = performance.now();
    const res = await fetch(`${s.core.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.key}`, "content-type": "application/json" },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`bench request failed: ${res.status}`);
    return performance.now() - t0;
  };
  try {
    for (const [i, kb] of sizesKb.entries()) {
      // HTTP round trips cost far more than a scan: a fifth of the in-process iterations.
      const n = Math.max(20, Math.floor((iterations[i] ?? iterations.at(-1)!) / 5));
      const bodies = Array.from({ length: 8 }, (_, s) =>
        JSON.stringify({
          model: "cloud",
          max_tokens: 8,
          messages: [{ role: "user", content: syntheticPrompt(kb, 3000 * kb + s) }],
        }),
      );
      const onMs: number[] = [];
      const offMs: number[] = [];
      for (let k = -10; k < n; k++) {
        const body = bodies[(k + 10) % bodies.length]!;
        // Alternate which goes first, so neither always meets a warmer machine.
        const [a, b] = k % 2 === 0 ? [on, off] : [off, on];
        const ta = await post(a, body);
        const tb = await post(b, body);
        if (k < 0) continue;
        (a === on ? onMs : offMs).push(ta);
        (b === on ? onMs : offMs).push(tb);
      }
      rows.push({
        section: "http",
        sizeKb: kb,
        iterations: n,
        ...p50p99("off", offMs),
        ...p50p99("on", onMs),
        addedP50: r3(percentile(onMs, 50) - percentile(offMs, 50)),
        ratioP50: Math.round((percentile(onMs, 50) / percentile(offMs, 50)) * 100) / 100,
      });
    }
  } finally {
    await on.core.close();
    await off.core.close();
    await up.close();
    fs.rmSync(on.core.config.dataDir, { recursive: true, force: true });
    fs.rmSync(off.core.config.dataDir, { recursive: true, force: true });
  }
  return rows;
}

function printHttpSection(rows: SectionRow[]) {
  console.log(
    "\n== http: a chat to a remote pool through Benchtop, guard on vs detectors off (ms, whole request) ==",
  );
  console.log("size     n     off p50/p99        on p50/p99         added p50   on/off p50");
  for (const r of rows)
    console.log(
      `${String(r.sizeKb).padStart(3)} KB ${String(r.iterations).padStart(5)}  ${pair(r.offP50, r.offP99)} ${pair(r.onP50, r.onP99)} ${String(r.addedP50).padEnd(11)} ×${r.ratioP50}`,
    );
}

/** Sections, in order: [name, run, print]. */
const SECTIONS: [
  string,
  () => SectionRow[] | Promise<SectionRow[]>,
  (rows: SectionRow[]) => void,
][] = [
  ["detectors", () => runDetectorSection(SIZES_KB, ITERATIONS), printDetectorSection],
  ["step", () => runStepSection(SIZES_KB, ITERATIONS), printStepSection],
  ["http", () => runHttpSection(SIZES_KB, ITERATIONS), printHttpSection],
];

if (
  import.meta.url === `file://${process.argv[1]}` ||
  process.argv[1]?.endsWith("bench/guard.ts")
) {
  const machine = machineInfo();
  console.log(
    `guard bench on ${machine.cpuModel} (${machine.logicalCpus} CPUs, load ${machine.loadavg.join(" ")}), node ${machine.node}${flags.quick ? ", --quick" : ""}`,
  );
  const results: SectionRow[] = [];
  for (const [, run, print] of SECTIONS) {
    const rows = await run();
    print(rows);
    results.push(...rows);
  }
  fs.mkdirSync(path.dirname(flags.out!), { recursive: true });
  fs.writeFileSync(flags.out!, JSON.stringify({ machine, quick: flags.quick, results }, null, 2));
  console.log(`\nwritten to ${flags.out}`);
}
