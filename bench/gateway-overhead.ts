// Gateway-overhead benchmark: the latency Benchtop adds to a pooled remote request (key
// authentication, limit checks, the ledger's reservation and settlement, pool selection, the
// upstream call through the OpenAI-compatible adapter) over calling the same upstream directly,
// and the same for Portkey's open-source gateway (@portkey-ai/gateway), in one run:
//   direct    the fake upstream itself (the baseline)
//   benchtop  `benchtop serve` (child process) → a pool of the fake upstream
//   portkey   `@portkey-ai/gateway` (child process) → the fake upstream (custom host)
// The fake upstream (test/fixtures/fakeUpstream.ts, own process) answers at once with a short
// fixed completion and usage, so every difference is the gateway's. At 1, 50 and 200 concurrent
// clients, non-streaming (full response time) and streaming (first content chunk, end of stream),
// fixed request counts, the three targets alternated in each of 3 rounds; medians of rounds.
// It reports; no figure fails the run. docs/BENCHMARKS.md describes the output.
//
//   npx tsx bench/gateway-overhead.ts [--quick] [--rounds 3] [--clients 1,50,200]
//     [--requests 2000,5000,5000] [--warmup 500] [--core src|dist] [--no-portkey]
//     [--baseline <checkout>] [--out bench/results/gateway-overhead.json]
// --baseline also measures the Benchtop of another checkout (e.g. `git worktree add --detach
// /tmp/bt-base <commit>` with node_modules linked) as target "baseline": before and after in one run.
import { execSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ForeignCpu } from "./lib/cpu.js";
import {
  findPortkey,
  prepareBenchtop,
  startBenchtop,
  startPortkey,
  startUpstream,
  type Child,
} from "./lib/gatewayProcs.js";
import {
  chatBody,
  drive,
  request,
  clientAgent,
  type DriveResult,
  type HttpTarget,
} from "./lib/httpLoad.js";
import { machineInfo, rssMiB } from "./lib/proc.js";
import { median } from "./lib/stats.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    clients: { type: "string", default: "1,50,200" },
    requests: { type: "string" },
    warmup: { type: "string" },
    core: { type: "string", default: "src" },
    "no-portkey": { type: "boolean", default: false },
    baseline: { type: "string" },
    out: { type: "string", default: "bench/results/gateway-overhead.json" },
  },
});
const QUICK = flags.quick;
/** Alternating rounds (medians reported). Default 3; --quick 1. */
const ROUNDS = Number(flags.rounds ?? (QUICK ? 1 : 3));
const LEVELS = flags.clients.split(",").map(Number);
/** Timed requests per measurement, per level. Default 2000 at 1 client, 5000 above; --quick 200/500. */
const REQUESTS = (flags.requests ?? (QUICK ? "200,500,500" : "2000,5000,5000"))
  .split(",")
  .map(Number);
/** Untimed requests per target before each level and mode's rounds. Default 500; --quick 50. */
const WARMUP = Number(flags.warmup ?? (QUICK ? 50 : 500));
const CORE = flags.core === "dist" ? "dist" : "src";
const requestsAt = (i: number) => REQUESTS[Math.min(i, REQUESTS.length - 1)]!;

const MODEL = "gpt-4o-mini";
/** The lab's provider key for the upstream (the fake accepts any). */
const UPSTREAM_KEY = "sk-bench-upstream-0000000000000000000000000000";
const TARGETS = ["direct", "benchtop", "baseline", "portkey"] as const;
type TargetName = (typeof TARGETS)[number];
type Mode = "non-streaming" | "streaming";
const MODES: Mode[] = ["non-streaming", "streaming"];

// --- start everything -----------------------------------------------------------------------

const children: Child[] = [];
const stopAll = () => Promise.all(children.map((c) => c.stop()));
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
// On a crash: the children shut themselves down on SIGTERM (the upstream also when stdin closes).
process.on("exit", () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGTERM");
});

const upstream = await startUpstream();
children.push(upstream);
const setup = prepareBenchtop(upstream.url, UPSTREAM_KEY, MODEL);
const benchtop = await startBenchtop(setup.dataDir, CORE).catch(async (err: unknown) => {
  await stopAll();
  fs.rmSync(setup.dataDir, { recursive: true, force: true });
  throw err;
});
children.push(benchtop);
let baseline: (Child & { url: string; memberKey: string; dataDir: string }) | undefined;
if (flags.baseline) {
  // Its own data dir, written with this checkout's repositories: the schemas must agree.
  const base = prepareBenchtop(upstream.url, UPSTREAM_KEY, MODEL);
  const child = await startBenchtop(base.dataDir, CORE, { root: flags.baseline, name: "baseline" });
  baseline = { ...child, memberKey: base.memberKey, dataDir: base.dataDir };
  children.push(child);
}
const portkeyFound = flags["no-portkey"] ? { missing: "--no-portkey" } : findPortkey();
let portkey: (Child & { url: string }) | undefined;
let portkeySkipped = "missing" in portkeyFound ? portkeyFound.missing : undefined;
if (!("missing" in portkeyFound)) {
  try {
    portkey = await startPortkey(portkeyFound.entry);
    children.push(portkey);
  } catch (err) {
    portkeySkipped = (err as Error).message;
  }
}

const targets: Partial<Record<TargetName, HttpTarget & { pids: number[] }>> = {
  direct: {
    name: "direct",
    url: `${upstream.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    pids: [upstream.pid],
  },
  benchtop: {
    name: "benchtop",
    url: `${benchtop.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${setup.memberKey}` },
    pids: [benchtop.pid],
  },
  ...(baseline
    ? {
        baseline: {
          name: "baseline",
          url: `${baseline.url}/v1/chat/completions`,
          headers: { authorization: `Bearer ${baseline.memberKey}` },
          pids: [baseline.pid],
        },
      }
    : {}),
  ...(portkey
    ? {
        portkey: {
          name: "portkey",
          url: `${portkey.url}/v1/chat/completions`,
          headers: {
            authorization: `Bearer ${UPSTREAM_KEY}`,
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": `${upstream.url}/v1`,
          },
          pids: [portkey.pid],
        },
      }
    : {}),
};

const revOf = (cwd?: string) => {
  try {
    const rev = execSync("git rev-parse --short HEAD", { cwd, encoding: "utf8" }).trim();
    const dirty = execSync("git status --porcelain -- src-main", { cwd, encoding: "utf8" }).trim();
    return dirty ? `${rev} (src-main has uncommitted changes)` : rev;
  } catch {
    return "unknown";
  }
};
const gitRev = revOf();
const baselineRev = flags.baseline ? revOf(flags.baseline) : undefined;
const machine = machineInfo();
console.log(
  `gateway overhead — ${machine.logicalCpus} CPUs (${machine.cpuModel}), node ${machine.node}, ` +
    `benchtop ${gitRev}${baselineRev ? `, baseline ${baselineRev}` : ""}`,
);
console.log(
  `  ${LEVELS.map((c, i) => `${requestsAt(i)} requests at ${c}`).join(", ")} client(s); ` +
    `${ROUNDS} round(s), ${WARMUP} warm-up requests per target, level and mode`,
);
for (const c of children) console.log(`  ${c.name.padEnd(8)} pid ${c.pid}: ${c.command}`);
if (portkey && !("missing" in portkeyFound))
  console.log(
    `           @portkey-ai/gateway ${portkeyFound.version}, @hono/node-server ${portkeyFound.honoNodeServer ?? "?"}`,
  );
if (portkeySkipped) console.log(`  portkey: skipped (${portkeySkipped})`);
console.log(
  `  load generator: this process (pid ${process.pid}), node:http, keep-alive Agent per measurement`,
);

// --- sanity: one request per target and mode; a target that fails a mode is left out of it ----

const broken: Partial<Record<`${TargetName}:${Mode}`, string>> = {};
{
  const agent = clientAgent(1);
  for (const mode of MODES) {
    for (const name of TARGETS) {
      const t = targets[name];
      if (!t) continue;
      const s = await request(
        agent,
        t,
        chatBody(MODEL, mode === "streaming"),
        mode === "streaming",
      );
      if (!s.ok) {
        broken[`${name}:${mode}`] = s.error ?? "failed";
        const tail = children
          .find((c) => c.name === name)
          ?.stderrTail()
          .trim();
        console.log(
          `  ${name} ${mode}: FAILED, left out: ${s.error}${tail ? `\n    stderr: ${tail.slice(-600)}` : ""}`,
        );
      }
    }
  }
  agent.destroy();
}
const active = (name: TargetName, mode: Mode) => targets[name] && !broken[`${name}:${mode}`];

const rssIdle = Object.fromEntries(children.map((c) => [c.name, rssMiB(c.pid)]));

// --- measure ---------------------------------------------------------------------------------

/** utime + stime of a process in clock ticks (1/100 s), from /proc; NaN elsewhere. */
function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

interface Measurement extends DriveResult {
  /** CPU time of the target's own process per request, µs (direct: the upstream). */
  cpuUsPerRequest: number;
  /** Cores' worth of CPU other processes on the machine used meanwhile. */
  othersCores: number;
}

const foreign = new ForeignCpu(() => [process.pid, ...children.map((c) => c.pid)]);

async function measure(name: TargetName, mode: Mode, clients: number, n: number) {
  const t = targets[name]!;
  // Write back dirty pages first: Benchtop's admission fsyncs, and on ext4 an fsync also waits
  // for other writes, which would bill it for someone else's.
  execSync("sync");
  const before = foreign.sample();
  const ticks = t.pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const r = await drive(t, chatBody(MODEL, mode === "streaming"), mode === "streaming", clients, n);
  const used = t.pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) - ticks;
  return {
    ...r,
    // Includes the 2 × clients priming requests drive() sends first.
    cpuUsPerRequest: (used * 10_000) / (n + clients * 2),
    othersCores: foreign.cores(before, foreign.sample()),
  } satisfies Measurement;
}

type Summary = {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  firstP50Ms?: number;
  firstP99Ms?: number;
  cpuUsPerRequest: number;
  errors: number;
  firstError?: string;
  maxOthersCores: number;
};
interface LevelResult {
  clients: number;
  mode: Mode;
  requests: number;
  rounds: Partial<Record<TargetName, Measurement>>[];
  median: Partial<Record<TargetName, Summary>>;
  /** Target − direct, ms, of the medians. */
  added: Partial<
    Record<TargetName, { p50Ms: number; p99Ms: number; firstP50Ms?: number; firstP99Ms?: number }>
  >;
}

const results: LevelResult[] = [];
for (const [i, clients] of LEVELS.entries()) {
  const n = requestsAt(i);
  for (const mode of MODES) {
    const names = TARGETS.filter((name) => active(name, mode));
    process.stderr.write(`  ${clients} client(s), ${mode}: warm-up`);
    for (const name of names)
      await drive(
        targets[name]!,
        chatBody(MODEL, mode === "streaming"),
        mode === "streaming",
        clients,
        WARMUP,
      );
    const rounds: Partial<Record<TargetName, Measurement>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      process.stderr.write(`, round ${r + 1}`);
      const round: Partial<Record<TargetName, Measurement>> = {};
      // Rotate who goes first, so no target always follows the same one.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length]!;
        round[name] = await measure(name, mode, clients, n);
      }
      rounds.push(round);
    }
    process.stderr.write("\n");
    const med = (name: TargetName, pick: (m: Measurement) => number | undefined) =>
      median(rounds.map((x) => pick(x[name]!) ?? NaN));
    const summary: LevelResult["median"] = {};
    for (const name of names) {
      summary[name] = {
        rps: med(name, (m) => m.rps),
        p50Ms: med(name, (m) => m.p50Ms),
        p99Ms: med(name, (m) => m.p99Ms),
        ...(mode === "streaming"
          ? {
              firstP50Ms: med(name, (m) => m.firstP50Ms),
              firstP99Ms: med(name, (m) => m.firstP99Ms),
            }
          : {}),
        cpuUsPerRequest: med(name, (m) => m.cpuUsPerRequest),
        errors: rounds.reduce((sum, x) => sum + x[name]!.errors, 0),
        firstError: rounds.find((x) => x[name]!.firstError)?.[name]?.firstError,
        maxOthersCores: Math.max(...rounds.map((x) => x[name]!.othersCores)),
      };
    }
    const d = summary.direct;
    const added: LevelResult["added"] = {};
    for (const name of names) {
      const s = summary[name]!;
      if (!d) continue;
      added[name] = {
        p50Ms: s.p50Ms - d.p50Ms,
        p99Ms: s.p99Ms - d.p99Ms,
        ...(mode === "streaming"
          ? { firstP50Ms: s.firstP50Ms! - d.firstP50Ms!, firstP99Ms: s.firstP99Ms! - d.firstP99Ms! }
          : {}),
      };
    }
    results.push({ clients, mode, requests: n, rounds, median: summary, added });
  }
}

const rssAfter = Object.fromEntries(children.map((c) => [c.name, rssMiB(c.pid)]));

// --- report ----------------------------------------------------------------------------------

const ms = (v: number | undefined, w = 8) =>
  (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(2)).padStart(w);
const plus = (v: number | undefined, w = 7) =>
  (v === undefined || !Number.isFinite(v) ? "—" : `${v >= 0 ? "+" : ""}${v.toFixed(2)}`).padStart(
    w,
  );
const int = (v: number | undefined, w: number) =>
  (v === undefined || !Number.isFinite(v) ? "—" : Math.round(v).toString()).padStart(w);

console.log(
  `\nnon-streaming: full response time, ms; medians of ${ROUNDS} round(s); + = target − direct`,
);
console.log("clients  target        rps    p50 ms     +p50    p99 ms     +p99  cpu µs/req  errors");
for (const r of results.filter((x) => x.mode === "non-streaming")) {
  for (const name of TARGETS) {
    const s = r.median[name];
    const a = r.added[name];
    if (!s) continue;
    console.log(
      `${String(r.clients).padStart(7)}  ${name.padEnd(9)} ${int(s.rps, 6)}  ${ms(s.p50Ms)} ${plus(a?.p50Ms, 8)}  ${ms(s.p99Ms)} ${plus(a?.p99Ms, 8)}  ${int(s.cpuUsPerRequest, 10)}  ${String(s.errors).padStart(6)}`,
    );
  }
}
console.log(
  `\nstreaming: first content chunk and end of stream, ms; medians of ${ROUNDS} round(s); + = target − direct`,
);
console.log(
  "clients  target        rps  first p50    +p50  first p99    +p99   end p50    +p50   end p99    +p99  cpu µs/req  errors",
);
for (const r of results.filter((x) => x.mode === "streaming")) {
  for (const name of TARGETS) {
    const s = r.median[name];
    const a = r.added[name];
    if (!s) continue;
    console.log(
      `${String(r.clients).padStart(7)}  ${name.padEnd(9)} ${int(s.rps, 6)}  ${ms(s.firstP50Ms, 9)} ${plus(a?.firstP50Ms)}  ${ms(s.firstP99Ms, 9)} ${plus(a?.firstP99Ms)}  ${ms(s.p50Ms)} ${plus(a?.p50Ms)}  ${ms(s.p99Ms)} ${plus(a?.p99Ms)}  ${int(s.cpuUsPerRequest, 10)}  ${String(s.errors).padStart(6)}`,
    );
  }
}
for (const r of results)
  for (const name of TARGETS)
    if (r.median[name]?.firstError)
      console.log(
        `  ${name}, ${r.clients} client(s), ${r.mode}: first error: ${r.median[name]!.firstError}`,
      );
for (const [key, error] of Object.entries(broken)) console.log(`  left out: ${key}: ${error}`);
const othersMax = Math.max(
  0,
  ...results.flatMap((r) => Object.values(r.median).map((s) => s!.maxOthersCores)),
);
console.log(`others' CPU during measurements: at most ${othersMax.toFixed(2)} cores`);
console.log(
  `RSS MiB idle → after: ${children.map((c) => `${c.name} ${int(rssIdle[c.name], 0)} → ${int(rssAfter[c.name], 0)}`).join(", ")}`,
);

/** Issue 4 item 10's targets, at 50 concurrent clients. Reported, not asserted. */
const at50 = (mode: Mode) => results.find((r) => r.clients === 50 && r.mode === mode);
type Metric = {
  label: string;
  mode: Mode;
  p50: "p50Ms" | "firstP50Ms";
  p99: "p99Ms" | "firstP99Ms";
};
const metrics: Metric[] = [
  { label: "non-streaming, full response", mode: "non-streaming", p50: "p50Ms", p99: "p99Ms" },
  { label: "streaming, first content", mode: "streaming", p50: "firstP50Ms", p99: "firstP99Ms" },
  { label: "streaming, end of stream", mode: "streaming", p50: "p50Ms", p99: "p99Ms" },
];
const verdict = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "met" : "NOT met");
const targetsReport = metrics.map((m) => {
  const r = at50(m.mode);
  const bt = r?.added.benchtop;
  const pk = r?.added.portkey;
  const p50 = bt?.[m.p50];
  const p99 = bt?.[m.p99];
  const num = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);
  const cmp = (a?: number, b?: number) =>
    num(a) === undefined || num(b) === undefined ? undefined : a! < b!;
  return {
    metric: m.label,
    benchtopAddedP50Ms: p50,
    benchtopAddedP99Ms: p99,
    portkeyAddedP50Ms: pk?.[m.p50],
    portkeyAddedP99Ms: pk?.[m.p99],
    p50AtMost1Ms: num(p50) === undefined ? undefined : p50! <= 1,
    p99AtMost5Ms: num(p99) === undefined ? undefined : p99! <= 5,
    belowPortkeyP50: cmp(p50, pk?.[m.p50]),
    belowPortkeyP99: cmp(p99, pk?.[m.p99]),
  };
});
if (targetsReport.some((t) => t.benchtopAddedP50Ms !== undefined)) {
  console.log(
    "\ntargets at 50 clients (issue 4 item 10; reported, not asserted): added p50 ≤ 1 ms, p99 ≤ 5 ms, below Portkey's",
  );
  for (const t of targetsReport) {
    console.log(
      `  ${t.metric.padEnd(29)} p50 ${plus(t.benchtopAddedP50Ms)} ${verdict(t.p50AtMost1Ms).padEnd(7)}` +
        ` p99 ${plus(t.benchtopAddedP99Ms)} ${verdict(t.p99AtMost5Ms).padEnd(7)}` +
        ` portkey ${plus(t.portkeyAddedP50Ms)} / ${plus(t.portkeyAddedP99Ms)}: below it ${verdict(t.belowPortkeyP50)} / ${verdict(t.belowPortkeyP99)}`,
    );
  }
}

fs.mkdirSync(path.dirname(flags.out), { recursive: true });
fs.writeFileSync(
  flags.out,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      quick: QUICK,
      machine,
      benchtop: { rev: gitRev, core: CORE, command: benchtop.command, pool: setup.pool },
      ...(baseline ? { baseline: { rev: baselineRev, command: baseline.command } } : {}),
      portkey:
        portkey && !("missing" in portkeyFound)
          ? {
              version: portkeyFound.version,
              honoNodeServer: portkeyFound.honoNodeServer,
              command: portkey.command,
            }
          : { skipped: portkeySkipped },
      upstream: { command: upstream.command },
      config: {
        levels: LEVELS,
        requests: LEVELS.map((_, i) => requestsAt(i)),
        rounds: ROUNDS,
        warmup: WARMUP,
        model: MODEL,
      },
      leftOut: broken,
      rssMiB: { idle: rssIdle, after: rssAfter },
      results,
      targets: targetsReport,
    },
    null,
    2,
  ),
);
console.log(`\nwritten to ${flags.out}`);

await stopAll();
fs.rmSync(setup.dataDir, { recursive: true, force: true });
if (baseline) fs.rmSync(baseline.dataDir, { recursive: true, force: true });
