// Guard benchmark: the latency the guard step's detectors add per request, in sections that
// each measure one thing against a baseline taken in the same run (same process, same
// synthetic bodies, interleaved):
//   detectors  secrets + PII scanning of one prompt (src-main/guard/detect) vs the baseline of
//              a bare JSON.stringify + JSON.parse of the same chat body (what any gateway pays
//              to read a request); p50/p99 in ms and the ratio to the baseline.
// A further section (end to end through the HTTP server, guard on vs off) is added by
// exporting another `run…Section` and listing it in SECTIONS below.
// Prompts are synthetic (test/guard/fixtures/corpus.ts): prose and code mixed, with a few
// secrets and PII values in them, of 1 KB, 16 KB and 128 KB. It reports; no figure fails the run.
//
//   npx tsx bench/guard.ts [--quick] [--sizes 1,16,128] [--iterations 2000,600,80]
//     [--out bench/results/guard.json]
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDetectors } from "../src-main/guard/detect/index.js";
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
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    rows.push({
      section: "detectors",
      sizeKb: kb,
      iterations: n,
      baselineP50: r3(percentile(base, 50)),
      baselineP99: r3(percentile(base, 99)),
      secretsP50: r3(percentile(sec, 50)),
      secretsP99: r3(percentile(sec, 99)),
      piiP50: r3(percentile(pii, 50)),
      piiP99: r3(percentile(pii, 99)),
      detectorsP50: r3(percentile(both, 50)),
      detectorsP99: r3(percentile(both, 99)),
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
  const pair = (a: unknown, b: unknown) =>
    `${Number(a).toFixed(3)}/${Number(b).toFixed(3)}`.padEnd(18);
  for (const r of rows) {
    console.log(
      `${String(r.sizeKb).padStart(3)} KB ${String(r.iterations).padStart(5)}  ${pair(r.baselineP50, r.baselineP99)} ${pair(r.secretsP50, r.secretsP99)}${pair(r.piiP50, r.piiP99)}${pair(r.detectorsP50, r.detectorsP99)}×${r.ratioP50}`,
    );
  }
}

/** Sections, in order: [name, run, print]. */
const SECTIONS: [string, () => SectionRow[], (rows: SectionRow[]) => void][] = [
  ["detectors", () => runDetectorSection(SIZES_KB, ITERATIONS), printDetectorSection],
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
    const rows = run();
    print(rows);
    results.push(...rows);
  }
  fs.mkdirSync(path.dirname(flags.out!), { recursive: true });
  fs.writeFileSync(flags.out!, JSON.stringify({ machine, quick: flags.quick, results }, null, 2));
  console.log(`\nwritten to ${flags.out}`);
}
