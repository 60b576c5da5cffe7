// Admission benchmark: what authentication + limit checks + reservation + settlement cost per
// request, in one run, against a no-op engine (a provider that answers at once):
//   1. in-process: authenticate() + ledger.admit() + ledger.settle() on the real SQLite file,
//      µs per request (p50/p99), and the same with the fsync of each commit (synchronous=FULL)
//      shown separately against synchronous=NORMAL;
//   2. over HTTP: the real express app and Gateway with the pipeline on (member key, limits,
//      ledger) vs off (anonymous loopback, a pass-through ledger), requests/s and latency
//      p50/p99 at 1 and 16 concurrent clients, alternating the two servers.
// It reports; no figure fails the run. docs/BENCHMARKS.md records the latest figures.
//
//   npx tsx bench/admission.ts [--requests 4000] [--rounds 3] [--out bench/results/admission.json]
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Gateway } from "../src-main/gateway/Gateway.js";
import { generateApiKey } from "../src-main/policy/apiKeys.js";
import { authenticate } from "../src-main/policy/authenticate.js";
import { Ledger, type Admission, type AdmitRequest } from "../src-main/policy/ledger.js";
import type { Provider } from "../src-main/providers/types.js";
import { createServer, type BenchtopServer } from "../src-main/server/createServer.js";
import { AlertsRepo } from "../src-main/store/alertsRepo.js";
import { CreditsRepo } from "../src-main/store/creditsRepo.js";
import { closeDb, openDb, type Db } from "../src-main/store/db.js";
import { KeysRepo } from "../src-main/store/keysRepo.js";
import { LimitsRepo } from "../src-main/store/limitsRepo.js";
import { MembersRepo } from "../src-main/store/membersRepo.js";
import { SettingsRepo } from "../src-main/store/settingsRepo.js";
import { UsageRepo } from "../src-main/store/usageRepo.js";
import { percentile } from "./lib/admissionStats.js";

const { values: flags } = parseArgs({
  options: {
    requests: { type: "string", default: "4000" },
    rounds: { type: "string", default: "3" },
    out: { type: "string", default: "bench/results/admission.json" },
  },
});
/** Requests per measurement. Default 4000. */
const REQUESTS = Number(flags.requests);
/** Alternating rounds of (pipeline on, pipeline off) over HTTP; medians reported. Default 3. */
const ROUNDS = Number(flags.rounds);

const log = pino({ level: "silent" });

/** A provider that answers every generation at once: 10 prompt tokens, 1 completion token. */
const noopProvider: Provider = {
  id: "noop",
  listModels: () => Promise.resolve([{ id: "noop", created: 0, ownedBy: "benchtop" }]),
  hasModel: (m) => Promise.resolve(m === "noop"),
  contextTokens: () => 4096,
  async *chat() {
    yield { type: "started", promptTokens: 10, cachedTokens: 0 };
    yield { type: "delta", text: "ok" };
    yield {
      type: "done",
      text: "ok",
      finishReason: "stop",
      usage: { promptTokens: 10, completionTokens: 1, cachedTokens: 0 },
    };
  },
  complete() {
    return this.chat(undefined as never, undefined as never);
  },
  embed: () => Promise.resolve({ vectors: [[0]], promptTokens: 1 }),
};

/** The pipeline switched off: admits everything, records nothing. */
class PassThroughLedger extends Ledger {
  override admit(req: AdmitRequest) {
    const admission = {
      usageId: req.requestId,
      requestId: req.requestId,
      attempt: 1,
      memberId: req.memberId,
      model: req.model,
      price: this.price(req.model),
      maxCompletionTokens: req.maxTokens ?? 0,
      reservedTokens: 0,
      reservedMicros: 0,
      routeMicros: 0,
      createdMs: 0,
      day: "",
      month: "",
      headers: {},
      ticket: { keys: [], entries: [] },
      done: false,
    } satisfies Admission;
    return { ok: true as const, admission };
  }
  override admitDurably(req: AdmitRequest) {
    return Promise.resolve(this.admit(req));
  }
  override settle(a: Admission) {
    a.done = true;
    return 0;
  }
  override release(a: Admission) {
    a.done = true;
  }
}

interface Stack {
  db: Db;
  file: string;
  ledger: Ledger;
  keys: KeysRepo;
  memberId: string;
  key: string;
}

/** A fresh database with an owner, one member with a key, realistic limits and a price. */
function stack(synchronous: "FULL" | "OFF", passThrough = false): Stack {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-admission-"));
  const file = path.join(dir, "bench.db");
  const db = openDb(file);
  db.pragma(`synchronous = ${synchronous}`);
  const members = new MembersRepo(db);
  members.ensureOwner();
  const keys = new KeysRepo(db);
  const member = members.create({ name: "bench", role: "member" });
  const k = generateApiKey();
  keys.create({
    memberId: member.id,
    name: "bench",
    hash: k.hash,
    prefix: k.prefix,
    last4: k.last4,
  });
  const limits = new LimitsRepo(db);
  limits.setLimits(member.id, {
    rpm: 1_000_000,
    tpm: 1_000_000_000,
    max_concurrent: 1000,
    daily_cap_micros: 1e12,
    monthly_cap_micros: 1e13,
  });
  limits.setLimits("org", { daily_cap_micros: 1e13, monthly_cap_micros: 1e14 });
  limits.setPrice({
    model: "noop",
    input_micros_per_mtok: 150_000,
    output_micros_per_mtok: 600_000,
    billing_mode: "org",
  });
  const deps = {
    db,
    usage: new UsageRepo(db),
    credits: new CreditsRepo(db),
    alerts: new AlertsRepo(db),
    limits,
    settings: new SettingsRepo(db),
    log,
    synchronous,
  };
  const ledger = passThrough ? new PassThroughLedger(deps) : new Ledger(deps);
  return { db, file, ledger, keys, memberId: member.id, key: k.plain };
}

function dispose(s: Stack) {
  closeDb(s.db);
  fs.rmSync(path.dirname(s.file), { recursive: true, force: true });
}

/** Part 1: the pipeline's own cost, in process, µs per request. */
function inProcess(synchronous: "FULL" | "OFF") {
  const s = stack(synchronous);
  const times: number[] = [];
  const sources = { authorization: `Bearer ${s.key}`, queryNames: [] };
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = process.hrtime.bigint();
    const auth = authenticate(sources, s.keys, Date.now());
    if (!auth.ok) throw new Error("auth failed");
    const r = s.ledger.admit({
      requestId: `req_${i}`,
      memberId: auth.principal.memberId,
      keyId: auth.principal.keyId,
      endpoint: "chat.completions",
      model: "noop",
      stream: false,
      promptTokens: 200,
      maxTokens: 100,
      contextTokens: 4096,
      completion: true,
    });
    if (!r.ok) throw new Error(`refused: ${r.rejection.kind}`);
    s.ledger.settle(r.admission, {
      servedModel: "noop",
      provider: "noop",
      promptTokens: 150,
      completionTokens: 60,
      cachedTokens: 0,
      source: "engine",
      estimated: false,
      outcome: "ok",
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  dispose(s);
  return { p50_us: percentile(times, 50), p99_us: percentile(times, 99), n: times.length };
}

async function serve(
  s: Stack,
  pipeline: boolean,
): Promise<{ server: BenchtopServer; url: string }> {
  let port = 0;
  const server = createServer({
    gateway: new Gateway({ providers: [noopProvider], ledger: s.ledger, log }),
    log,
    bodyLimitBytes: 1 << 20,
    sseHeartbeatS: 15,
    health: () => ({}),
    auth: {
      keys: s.keys,
      ownerId: s.memberId,
      // Off: every request is the anonymous local caller; no key lookup.
      anonymousLoopback: () => !pipeline,
      boundToLoopback: () => true,
    },
    hosts: { hosts: () => new Set(["127.0.0.1"]), port: () => port, corsOrigins: [] },
  });
  const bound = await server.listen("127.0.0.1", 0);
  port = bound.port;
  return { server, url: bound.url };
}

/** Part 2: `n` requests over HTTP from `clients` concurrent loops; latency per request. */
async function drive(url: string, key: string | null, clients: number, n: number) {
  const body = JSON.stringify({
    model: "noop",
    messages: [{ role: "user", content: "hello" }],
    max_tokens: 100,
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < n) {
        next++;
        const start = performance.now();
        const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers, body });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        latencies.push((performance.now() - start) * 1000);
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  return { rps: n / wallS, p50_us: percentile(latencies, 50), p99_us: percentile(latencies, 99) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Side = "on" | "onNoFsync" | "off";
type Drive = Awaited<ReturnType<typeof drive>>;

async function overHttp(clients: number) {
  const stacks = { on: stack("FULL"), onNoFsync: stack("OFF"), off: stack("FULL", true) };
  const servers = {
    on: await serve(stacks.on, true),
    onNoFsync: await serve(stacks.onNoFsync, true),
    off: await serve(stacks.off, false),
  };
  const sides: Side[] = ["on", "onNoFsync", "off"];
  const key = (side: Side) => (side === "off" ? null : stacks[side].key);
  for (const side of sides)
    await drive(servers[side].url, key(side), clients, Math.min(500, REQUESTS));
  const runs: Record<Side, Drive>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = {} as Record<Side, Drive>;
    for (const side of sides) {
      // Write back other runs' dirty pages first: on ext4 an fsync also waits for them, which
      // would bill one server for another's writes.
      execSync("sync");
      round[side] = await drive(servers[side].url, key(side), clients, REQUESTS);
    }
    runs.push(round);
  }
  for (const side of sides) await servers[side].server.close();
  const rows = (
    stacks.on.db.prepare("SELECT count(*) AS n FROM usage WHERE state = 'settled'").get() as {
      n: number;
    }
  ).n;
  for (const side of sides) dispose(stacks[side]);
  const pick = (side: Side) => ({
    rps: median(runs.map((x) => x[side].rps)),
    p50_us: median(runs.map((x) => x[side].p50_us)),
    p99_us: median(runs.map((x) => x[side].p99_us)),
  });
  return {
    clients,
    settled_rows: rows,
    on: pick("on"),
    onNoFsync: pick("onNoFsync"),
    off: pick("off"),
  };
}

const fmt = (n: number) => n.toFixed(1).padStart(9);

const full = inProcess("FULL");
const noFsync = inProcess("OFF");
console.log(`admission benchmark — ${REQUESTS} requests per measurement, ${os.cpus().length} CPUs`);
console.log("\n1. in process: authenticate + admit + settle, µs per request");
console.log(`   as shipped (admission fsyncs)  p50 ${fmt(full.p50_us)}  p99 ${fmt(full.p99_us)}`);
console.log(
  `   synchronous=OFF (no fsync)     p50 ${fmt(noFsync.p50_us)}  p99 ${fmt(noFsync.p99_us)}`,
);
const http: Awaited<ReturnType<typeof overHttp>>[] = [];
for (const clients of [1, 16]) http.push(await overHttp(clients));
console.log("\n2. over HTTP, no-op engine, medians of rounds: pipeline on vs off (baseline)");
console.log("   clients  pipeline           rps   ratio    p50 µs  added p50    p99 µs");
for (const h of http) {
  for (const [name, side] of [
    ["off (baseline)", h.off],
    ["on", h.on],
    ["on, no fsync", h.onNoFsync],
  ] as const) {
    console.log(
      `   ${String(h.clients).padStart(7)}  ${name.padEnd(15)} ${fmt(side.rps)} ${(side.rps / h.off.rps).toFixed(2).padStart(7)}` +
        ` ${fmt(side.p50_us)}  ${fmt(side.p50_us - h.off.p50_us)} ${fmt(side.p99_us)}`,
    );
  }
}
fs.mkdirSync(path.dirname(flags.out), { recursive: true });
fs.writeFileSync(
  flags.out,
  JSON.stringify(
    { at: new Date().toISOString(), requests: REQUESTS, inProcess: { full, noFsync }, http },
    null,
    2,
  ),
);
console.log(`\nwritten to ${flags.out}`);
