import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { addBenchMemberToDataDir } from "./benchKeys.js";
import { freePort, rssMiB, sleep } from "./proc.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = path.join(ROOT, "bin", "benchtop.js");
const BUILT = path.join(ROOT, "dist", "main", "app", "main.js");

export interface CliRssOptions {
  modelPath: string;
  threads: number;
  contextSize: number;
  sequences: number;
}

export type CliRss =
  | { skipped: string }
  | { coreIdleMiB?: number; coreLoadedMiB?: number; hostLoadedMiB?: number; builtAt: string };

/**
 * RSS of Benchtop as shipped: `node bin/benchtop.js serve` (the compiled dist/main, no tsx) in
 * its own process. Idle is the core alone: the engine host starts with the first model load.
 * Then one 1-token request loads the model and the core and its engine host child are read again.
 */
export async function measureCliRss(opts: CliRssOptions): Promise<CliRss> {
  if (!fs.existsSync(BUILT)) return { skipped: "no dist/main (run npm run build:main)" };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-bench-cli-"));
  fs.mkdirSync(path.join(dataDir, "models"));
  fs.symlinkSync(opts.modelPath, path.join(dataDir, "models", "bench.gguf"));
  const { threads, sequences, contextSize } = opts;
  fs.writeFileSync(
    path.join(dataDir, "config.json"),
    JSON.stringify({ engine: { gpu: false, threads, sequences, contextSize, idleTtlS: 0 } }),
  );
  // Requests need a member key: the member is written to the data dir before the server starts.
  const { key } = addBenchMemberToDataDir(dataDir);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--port", String(port), "--data-dir", dataDir, "--log-level", "silent"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (child.exitCode !== null || Date.now() > deadline) {
        return { skipped: "bin/benchtop.js serve did not start" };
      }
      await sleep(100);
    }
    await sleep(1000); // start-up garbage settles
    const coreIdleMiB = rssMiB(child.pid);
    const res = await fetch(`${url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "bench", prompt: "12", max_tokens: 1, temperature: 0 }),
    });
    const body = await res.text();
    if (!res.ok) return { skipped: `the load request failed: HTTP ${res.status} ${body}` };
    await sleep(500);
    return {
      coreIdleMiB,
      coreLoadedMiB: rssMiB(child.pid),
      hostLoadedMiB: rssMiB(childOf(child.pid)),
      builtAt: fs.statSync(BUILT).mtime.toISOString(),
    };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The first process whose parent is `pid` (the engine host of a core), from /proc. */
function childOf(pid: number | undefined): number | undefined {
  if (pid === undefined || !fs.existsSync("/proc")) return undefined;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}
