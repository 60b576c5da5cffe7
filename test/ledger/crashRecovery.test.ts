import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { spawnServer, type ChildServer } from "../helpers/childServer.js";
import { generatedModel, modelsDir } from "../helpers/models.js";

/**
 * "Acknowledged" means the client received response headers: they are sent only after the
 * admission transaction (synchronous=FULL) committed the usage row. Killing the server with
 * SIGKILL at any moment must not lose one of those rows, and the restart must settle every row
 * the crash left reserved.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-crash-"));
const models = modelsDir({ tiny: generatedModel() });
const env = { BENCHTOP_DATA_DIR: dataDir, BENCHTOP_MODELS_DIR: models };
let server: ChildServer | undefined;

afterEach(() => {
  if (server && server.proc.exitCode === null) server.proc.kill("SIGKILL");
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(models, { recursive: true, force: true });
});

const token = () => fs.readFileSync(path.join(dataDir, "owner.token"), "utf8").trim();

/**
 * `clients` loops sending streamed chats until `stop` is aborted; returns the request ids whose
 * headers arrived. Bounded: each loop stops after 200 requests.
 */
async function load(url: string, clients: number, stop: AbortSignal): Promise<string[]> {
  const acknowledged: string[] = [];
  const headers = { authorization: `Bearer ${token()}`, "content-type": "application/json" };
  const loop = async (c: number) => {
    for (let i = 0; i < 200 && !stop.aborted; i++) {
      try {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers,
          signal: stop,
          body: JSON.stringify({
            model: "tiny",
            messages: [{ role: "user", content: `client ${c} request ${i}` }],
            max_tokens: 24,
            stream: true,
          }),
        });
        if (res.status === 200) acknowledged.push(res.headers.get("x-request-id")!);
        await res.text();
      } catch {
        return; // the server died or the driver stopped: this loop is over
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  return acknowledged;
}

async function warmUp(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token()}` },
    body: JSON.stringify({ model: "tiny", prompt: "warm", max_tokens: 1 }),
  });
  if (res.status !== 200) throw new Error(`warm-up failed: ${res.status} ${await res.text()}`);
}

function ledger() {
  const db = new Database(path.join(dataDir, "benchtop.db"), { readonly: true });
  try {
    return {
      integrity: db.pragma("integrity_check", { simple: true }),
      rows: db
        .prepare("SELECT request_id, state, orphaned, estimated, usage_source FROM usage")
        .all() as {
        request_id: string;
        state: string;
        orphaned: number;
        estimated: number;
        usage_source: string;
      }[],
    };
  } finally {
    db.close();
  }
}

describe("crash durability", () => {
  it("kill -9 under load loses no acknowledged request; the restart settles what was reserved", async () => {
    const acknowledged: string[] = [];
    // Three crashes at different moments of the load.
    for (const killAfterMs of [300, 900, 1700]) {
      server = await spawnServer(env);
      await warmUp(server.url); // the model loads on first use; crash under load, not during it
      const stop = new AbortController();
      const driving = load(server.url, 6, stop.signal);
      await new Promise((r) => setTimeout(r, killAfterMs));
      server.proc.kill("SIGKILL");
      await server.exited;
      stop.abort();
      acknowledged.push(...(await driving));
    }
    // The restart runs the recovery sweep before it listens.
    server = await spawnServer(env);
    const { integrity, rows } = ledger();
    expect(integrity).toBe("ok");
    expect(acknowledged.length).toBeGreaterThan(10);
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    const missing = acknowledged.filter((id) => !byId.has(id));
    expect(missing).toEqual([]);
    expect(rows.filter((r) => r.state === "reserved")).toEqual([]);
    // What was in flight at a crash is settled at its reserved maximum, flagged for review.
    const orphans = rows.filter((r) => r.orphaned === 1);
    expect(orphans.length).toBeGreaterThan(0);
    for (const r of orphans)
      expect(r).toMatchObject({ estimated: 1, usage_source: "reserved_max" });
    expect(rows.filter((r) => r.orphaned === 0 && r.state === "settled").length).toBeGreaterThan(0);
  });

  it("SIGTERM lets in-flight requests finish and settles them; nothing is orphaned", async () => {
    server = await spawnServer(env);
    await warmUp(server.url);
    const before = new Set(ledger().rows.map((r) => r.request_id));
    const stop = new AbortController();
    const driving = load(server.url, 4, stop.signal);
    await new Promise((r) => setTimeout(r, 800));
    server.proc.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    stop.abort();
    const acknowledged = await driving;
    const fresh = ledger().rows.filter((r) => !before.has(r.request_id));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const id of acknowledged) expect(fresh.map((r) => r.request_id)).toContain(id);
    expect(fresh.filter((r) => r.state !== "settled" || r.orphaned === 1)).toEqual([]);
    // The WAL was folded back into the database at exit.
    const wal = path.join(dataDir, "benchtop.db-wal");
    expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
  });
});
