// Where Benchtop's CPU goes on the gateway-overhead bench's hot path: starts the fake upstream and
// `benchtop serve` (the same setup as bench/gateway-overhead.ts) with `node --cpu-prof`, drives
// it with N closed-loop clients, stops it (the profile is written at exit) and prints self time
// by bucket (package, src-main folder, node internals, GC) and by function.
//
//   npx tsx bench/gateway-profile.ts [--clients 50] [--requests 5000] [--stream]
//     [--core src|dist] [--top 40] [--keep]
// --keep leaves the .cpuprofile (path printed) to open in Chrome DevTools.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { prepareBenchtop, startBenchtop, startUpstream } from "./lib/gatewayProcs.js";
import { chatBody, drive } from "./lib/httpLoad.js";

const { values: flags } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    requests: { type: "string", default: "5000" },
    stream: { type: "boolean", default: false },
    core: { type: "string", default: "src" },
    top: { type: "string", default: "40" },
    keep: { type: "boolean", default: false },
  },
});
const MODEL = "gpt-4o-mini";
const KEY = "sk-bench-upstream-0000000000000000000000000000";
const clients = Number(flags.clients);
const n = Number(flags.requests);

const upstream = await startUpstream();
const setup = prepareBenchtop(upstream.url, KEY, MODEL);
const profDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-prof-"));
const benchtop = await startBenchtop(setup.dataDir, flags.core === "dist" ? "dist" : "src", {
  nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
});
const target = {
  name: "benchtop",
  url: `${benchtop.url}/v1/chat/completions`,
  headers: { authorization: `Bearer ${setup.memberKey}` },
};
const body = chatBody(MODEL, flags.stream);
// Warm-up (JIT, caches) is profiled too; it is small next to the measured run.
await drive(target, body, flags.stream, clients, Math.min(500, n));
const r = await drive(target, body, flags.stream, clients, n);
console.log(
  `${n} requests at ${clients} client(s), ${flags.stream ? "streaming" : "non-streaming"}: ` +
    `${r.rps.toFixed(0)} rps, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}`,
);
await benchtop.stop();
await upstream.stop();
fs.rmSync(setup.dataDir, { recursive: true, force: true });

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}
// One profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>): the main thread is 0; tsx's
// loader runs in a worker of its own.
const file = fs.readdirSync(profDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
if (!file) throw new Error(`no main-thread profile written in ${profDir}`);
const prof = JSON.parse(fs.readFileSync(path.join(profDir, file), "utf8")) as CpuProfile;
const byId = new Map(prof.nodes.map((nd) => [nd.id, nd.callFrame]));
const parent = new Map<number, number>();
for (const nd of prof.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));

const root = process.cwd();
function bucket(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const rel = url.replace(/^file:\/\//, "").replace(`${root}/`, "");
  return rel.split("/").slice(0, 2).join("/");
}
function label(id: number): string {
  const cf = byId.get(id)!;
  const url = cf.url.replace(/^file:\/\//, "").replace(`${root}/`, "");
  return `${cf.functionName || "(anonymous)"} ${url ? `${url}:${cf.lineNumber + 1}` : ""}`;
}
const buckets = new Map<string, number>();
const fns = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const cf = byId.get(id)!;
  if (cf.functionName === "(idle)") {
    idle += us;
    continue;
  }
  total += us;
  const b = bucket(cf.url, cf.functionName);
  buckets.set(b, (buckets.get(b) ?? 0) + us);
  fns.set(label(id), (fns.get(label(id)) ?? 0) + us);
  // Inclusive: every distinct function on the sample's stack.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = label(at);
    if (seen.has(f)) continue;
    seen.add(f);
    inclusive.set(f, (inclusive.get(f) ?? 0) + us);
  }
}
const served = n + Math.min(500, n) + clients * 4;
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(
  `busy ${(total / 1000).toFixed(0)} ms (${(total / served).toFixed(0)} µs per request, ${served} requests), idle ${(idle / 1000).toFixed(0)} ms`,
);
console.log("\nself time by bucket:");
for (const [b, us] of [...buckets].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`  ${pct(us)} ${(us / served).toFixed(0).padStart(5)} µs/req  ${b}`);
console.log("\nself time by function:");
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(flags.top)))
  console.log(`  ${pct(us)}  ${f}`);
console.log("\ninclusive time of Benchtop's functions and the server stack:");
for (const [f, us] of [...inclusive]
  .filter(([f]) => /src-main\/|node_modules\/(express|router|body-parser|pino)\//.test(f))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(flags.top)))
  console.log(`  ${pct(us)}  ${f}`);
if (flags.keep) console.log(`\nprofile: ${path.join(profDir, file)}`);
else fs.rmSync(profDir, { recursive: true, force: true });
