import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolvePaths } from "../../src-main/app/paths.js";
import { keyFileCipher } from "../../src-main/platform/keyFileCipher.js";
import { ConnectionsRepo } from "../../src-main/store/connectionsRepo.js";
import { closeDb, openDb } from "../../src-main/store/db.js";
import { KeysRepo } from "../../src-main/store/keysRepo.js";
import { LimitsRepo } from "../../src-main/store/limitsRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { PoolsRepo } from "../../src-main/store/poolsRepo.js";
import { addBenchMember } from "./benchKeys.js";
import { freePort, sleep } from "./proc.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A child process the bench started, and how to stop it. */
export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** How it was started, for the report. */
  command: string;
  /** The last few KiB of its stderr (errors of the peer end up there). */
  stderrTail(): string;
  stop(): Promise<void>;
}

function track(name: string, proc: ChildProcess, command: string): Child {
  let tail = "";
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-4096);
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once("exit", () => resolve());
  });
  return {
    name,
    proc,
    pid: proc.pid!,
    command,
    stderrTail: () => tail,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** Resolves with the first stdout line of `proc` (bounded). */
function firstLine(proc: ChildProcess, what: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what}: nothing on stdout`)), timeoutMs);
    proc.stdout!.setEncoding("utf8");
    const onData = (chunk: string) => {
      out += chunk;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      proc.stdout!.off("data", onData);
      proc.stdout!.resume();
      resolve(out.slice(0, nl));
    };
    proc.stdout!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready`));
    });
  });
}

/**
 * The fake OpenAI-compatible upstream (test/fixtures/fakeUpstream.ts) in its own process:
 * answers at once with a fixed short completion and usage.
 */
export async function startUpstream(): Promise<Child & { url: string }> {
  const script = path.join(ROOT, "bench", "lib", "fakeUpstreamProcess.ts");
  // stdin stays open: the child exits when it closes, so it cannot outlive a killed bench.
  const proc = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const child = track("upstream", proc, `node --import tsx ${path.relative(ROOT, script)}`);
  const { url } = JSON.parse(await firstLine(proc, "fake upstream")) as { url: string };
  return { ...child, url };
}

/** The pool, member and limits the bench calls Benchtop with. */
export interface BenchtopSetup {
  dataDir: string;
  /** The member's Benchtop API key. */
  memberKey: string;
  /** What was configured, for the report. */
  pool: Record<string, unknown>;
}

/**
 * Writes a data dir for `benchtop serve`: the database with a pool `model` of two connections
 * (both the fake upstream, each with its own encrypted key) served round-robin, a price, and a
 * member with one key and limits that are checked on every request but never reached (RPM, TPM,
 * concurrency, daily and monthly caps, and org caps). Done with the repositories on the SQLite
 * file before the server starts, because the management API had no connection or pool routes
 * when this bench was written; the core then finds them as it would after the lab lead set them up.
 */
export function prepareBenchtop(upstreamUrl: string, upstreamKey: string, model: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-gateway-overhead-"));
  const paths = resolvePaths(dataDir, path.join(dataDir, "models"));
  const db = openDb(paths.db);
  try {
    const members = new MembersRepo(db);
    members.ensureOwner();
    const cipher = keyFileCipher(paths.secretKey);
    const connections = new ConnectionsRepo(db);
    const targets = ["A", "B"].map((name) => {
      const c = connections.create({
        name: `fake upstream ${name}`,
        kind: "openai_compatible",
        baseUrl: `${upstreamUrl}/v1`,
        headers: {},
        region: null,
        retention: null,
      });
      connections.addKey({
        connectionId: c.id,
        label: "bench",
        secret: cipher.encrypt(upstreamKey),
        last4: upstreamKey.slice(-4),
      });
      return { connectionId: c.id, upstreamModel: model, priority: 0, weight: 1 };
    });
    new PoolsRepo(db).put({ id: model, strategy: "round_robin", maxAttempts: 3, targets });
    const limits = new LimitsRepo(db);
    limits.setPrice({
      model,
      input_micros_per_mtok: 150_000,
      output_micros_per_mtok: 600_000,
      billing_mode: "org",
    });
    const memberLimits = {
      rpm: 1_000_000,
      tpm: 1_000_000_000,
      max_concurrent: 10_000,
      daily_cap_micros: 1e12,
      monthly_cap_micros: 1e13,
    };
    const orgLimits = { daily_cap_micros: 1e13, monthly_cap_micros: 1e14 };
    const member = addBenchMember({ members, keys: new KeysRepo(db) });
    limits.setLimits(member.memberId, memberLimits);
    limits.setLimits("org", orgLimits);
    return {
      dataDir,
      memberKey: member.key,
      pool: {
        id: model,
        strategy: "round_robin",
        targets: targets.length,
        memberLimits,
        orgLimits,
        setUp: "repositories on the SQLite file, before the server started",
      },
    } satisfies BenchtopSetup;
  } finally {
    closeDb(db);
  }
}

/**
 * `benchtop serve` in its own process on 127.0.0.1 and a free port, on `dataDir`: from the
 * TypeScript sources through tsx (`src`, the default) or the `npm run build:main` output (`dist`).
 * Default log level (info), as shipped; no models, so the engine host never starts.
 */
export async function startBenchtop(
  dataDir: string,
  core: "src" | "dist",
  opts: {
    /** Extra node flags before the entry (e.g. `--cpu-prof`, for bench/gateway-profile.ts). */
    nodeArgs?: string[];
    /** Another checkout to run (e.g. a git worktree of an older commit); defaults to this one. */
    root?: string;
    /** The child's name in the report; defaults to `benchtop`. */
    name?: string;
  } = {},
): Promise<Child & { url: string }> {
  const nodeArgs = opts.nodeArgs ?? [];
  const root = opts.root ? path.resolve(opts.root) : ROOT;
  const entry =
    core === "dist"
      ? [...nodeArgs, "bin/benchtop.js"]
      : [...nodeArgs, "--import", "tsx", path.join("src-main", "app", "main.ts")];
  if (core === "dist" && !fs.existsSync(path.join(root, "dist", "main", "app", "main.js")))
    throw new Error("--core dist: no dist/main (run npm run build:main)");
  const args = [...entry, "serve", "--port", "0", "--threads", "1"];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, BENCHTOP_DATA_DIR: dataDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const child = track(
    opts.name ?? "benchtop",
    proc,
    `${root === ROOT ? "" : `cd ${root} && `}BENCHTOP_DATA_DIR=<tmp> node ${args.join(" ")}`,
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("benchtop: no listening line in 60 s")),
      60_000,
    );
    let err = "";
    const onData = (chunk: string) => {
      err += chunk;
      const m = /listening on (http:\/\/[^\s/]+)\/v1/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      resolve(m[1]!);
    };
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`benchtop exited (${code}): ${err}`));
    });
  });
  return { ...child, url };
}

/** The installed `@portkey-ai/gateway`: its server entry and versions, or why it cannot run. */
export function findPortkey():
  { entry: string; version: string; honoNodeServer?: string } | { missing: string } {
  const dir = path.join(ROOT, "node_modules", "@portkey-ai", "gateway");
  const entry = path.join(dir, "build", "start-server.js");
  if (!fs.existsSync(entry)) return { missing: "@portkey-ai/gateway not installed (npm install)" };
  const version = (
    JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  // Which @hono/node-server it resolves (its own nested copy, else the hoisted one).
  const hono = [
    path.join(dir, "node_modules", "@hono", "node-server", "package.json"),
    path.join(ROOT, "node_modules", "@hono", "node-server", "package.json"),
  ].find((p) => fs.existsSync(p));
  const honoNodeServer = hono
    ? (JSON.parse(fs.readFileSync(hono, "utf8")) as { version: string }).version
    : undefined;
  return { entry, version, honoNodeServer };
}

/**
 * Portkey's open-source gateway as its bin runs it: `node build/start-server.js --port=P
 * --headless` (headless: no web console and no request log streamed to it). It takes no port 0,
 * so a free port is picked first. Requests choose the upstream per call with headers
 * (`x-portkey-provider: openai`, `x-portkey-custom-host: <upstream>/v1`); no config file.
 */
export async function startPortkey(entry: string): Promise<Child & { url: string }> {
  const port = await freePort();
  const args = [entry, `--port=${port}`, "--headless"];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const child = track(
    "portkey",
    proc,
    `node ${path.relative(ROOT, entry)} --port=${port} --headless`,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Ready when its root route answers ("AI Gateway says hey!").
  while (
    !(await fetch(`${url}/`).then(
      (r) => r.text().then(() => r.ok),
      () => false,
    ))
  ) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await child.stop();
      throw new Error(`portkey did not start: ${child.stderrTail()}`);
    }
    await sleep(200);
  }
  return { ...child, url };
}
