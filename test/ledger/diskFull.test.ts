import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { costMicros } from "../../src-main/policy/pricing.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { canMountTinyFs, mountTinyFs, type TinyFs } from "../helpers/tinyFs.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "./ledgerQueries.js";

/**
 * The database's disk fills up under a running server (a real tmpfs of 16 MiB holds the data
 * dir; a filler file takes the rest, so SQLite's writes fail with the kernel's ENOSPC, which it
 * reports as SQLITE_FULL). Admissions are refused as 503 `storage_full` before any upstream
 * work, reads keep working, a settlement the disk refuses is kept and written once space
 * returns, and the server notices that by itself.
 */
const PRICE = {
  model: "gpt-4o-mini",
  input_micros_per_mtok: 150_000,
  output_micros_per_mtok: 600_000,
  billing_mode: "org" as const,
};

let fsys: TinyFs | undefined;
let t: TestServer;
let upstream: FakeUpstream;
let member: TestMember;
/** The upstream's one key (connection_keys.id). */
let keyId: string;

beforeAll(async () => {
  if (!canMountTinyFs) return;
  fsys = mountTinyFs(16 * 1024 * 1024);
  // The probe that notices returning space runs often here; its default is 5 s.
  t = await startTestServer({
    dataDir: path.join(fsys.dir, "data"),
    storage: { probeIntervalS: 0.05 },
  });
  upstream = await startFakeUpstream({ protocol: "openai" });
  const { connections, pools, limits } = t.core.store;
  const c = connections.create({
    name: "upstream",
    kind: "openai_compatible",
    baseUrl: `${upstream.url}/v1`,
    headers: {},
    region: null,
    retention: null,
  });
  keyId = connections.addKey({
    connectionId: c.id,
    label: "main",
    secret: t.core.cipher.encrypt("sk-test-upstream"),
    last4: "ream",
  }).id;
  pools.put({
    id: "gpt-4o-mini",
    strategy: "priority",
    maxAttempts: 1,
    targets: [{ connectionId: c.id, upstreamModel: "gpt-4o-mini", priority: 0, weight: 1 }],
  });
  limits.setPrice(PRICE);
  member = t.addMember();
});
afterEach(() => {
  fsys?.free();
  upstream?.reset();
  if (upstream) upstream.fallback = { kind: "ok" };
});
afterAll(async () => {
  await t?.close();
  await upstream?.close();
  fsys?.unmount();
});

/** Fills the disk. The WAL is emptied first, so the next commit must grow it (not reuse it). */
function fillDisk() {
  t.core.db.pragma("wal_checkpoint(TRUNCATE)");
  fsys!.fill();
}

interface HealthBody {
  storage: {
    state: string;
    since_ms: number | null;
    pending_writes: number;
    log: string;
    dropped_log_lines: number;
  };
}

async function health(): Promise<HealthBody> {
  return (await (await fetch(`${t.url}/health`)).json()) as HealthBody;
}

/** Polls `/health` until `ok` says so (bounded: a hang guard, not a timing assertion). */
async function until(ok: (h: HealthBody) => boolean): Promise<HealthBody> {
  for (let i = 0; i < 400; i++) {
    const h = await health();
    if (ok(h)) return h;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`/health never got there: ${JSON.stringify(await health())}`);
}

function post(route: string, key: string, body: object) {
  return fetch(`${t.url}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 50 };

describe.skipIf(!canMountTinyFs)("a full database disk (real tmpfs)", () => {
  it("refuses /v1 as 503 storage_full with retry-after in each API's error shape, before any upstream work and reserving nothing", async () => {
    const rowsBefore = usageRows(t.core).length;
    fillDisk();

    const openai = await post("/v1/chat/completions", member.key, chat);
    expect(openai.status).toBe(503);
    expect(openai.headers.get("retry-after")).toBe("30");
    expect(await openai.json()).toEqual({
      error: {
        message:
          "The server's disk is full: usage cannot be recorded, so no request is admitted until space is freed. Try again later.",
        type: "server_error",
        param: null,
        code: "storage_full",
      },
    });

    const anthropic = await post("/v1/messages", member.key, chat);
    expect(anthropic.status).toBe(503);
    expect(anthropic.headers.get("retry-after")).toBe("30");
    const requestId = anthropic.headers.get("x-request-id");
    expect(await anthropic.json()).toEqual({
      type: "error",
      error: {
        type: "overloaded_error",
        message:
          "The server's disk is full: usage cannot be recorded, so no request is admitted until space is freed. Try again later.",
      },
      request_id: requestId,
    });

    // A management write: the manage shape, the same code.
    const create = await fetch(`${t.url}/manage/v1/members`, {
      method: "POST",
      headers: { ...t.auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "new while full", role: "member" }),
    });
    expect(create.status).toBe(503);
    expect(create.headers.get("retry-after")).toBe("30");
    expect(((await create.json()) as { error: { code: string } }).error.code).toBe("storage_full");

    expect(upstream.requests).toEqual([]);
    expect(usageRows(t.core).length).toBe(rowsBefore);
    expect(t.core.ledger.status(null)).toMatchObject({ in_flight: 0, reserved_today_micros: 0 });
    expect(t.core.ledger.status(member.id)).toMatchObject({
      in_flight: 0,
      reserved_today_micros: 0,
    });
    expect((await health()).storage).toMatchObject({ state: "full", pending_writes: 0 });

    // Space comes back: the server notices by itself, and the same request is served.
    fsys!.free();
    await until((h) => h.storage.state === "ok");
    const again = await post("/v1/chat/completions", member.key, chat);
    expect(again.status).toBe(200);
    expect(upstream.requests.length).toBe(1);
    expect(usageRows(t.core).length).toBe(rowsBefore + 1);
    // Refusals, not bugs: no 500 was logged, and the full disk was logged once.
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
    expect(
      t.logs.filter((l) => String(l.msg).startsWith("the database's disk is full")).length,
    ).toBe(1);
  });

  it("reads keep working while full: /manage/v1/me (its last_used touch waits), /v1/models, /health", async () => {
    const fresh = t.addMember({ name: "reader" });
    const lastUsed = () =>
      (
        t.core.db.prepare("SELECT last_used_ms FROM api_keys WHERE id = ?").get(fresh.keyId) as {
          last_used_ms: number | null;
        }
      ).last_used_ms;
    fillDisk();

    const me = await fetch(`${t.url}/manage/v1/me`, {
      headers: { authorization: `Bearer ${fresh.key}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(fresh.id);
    const models = await fetch(`${t.url}/v1/models`, {
      headers: { authorization: `Bearer ${fresh.key}` },
    });
    expect(models.status).toBe(200);
    expect(lastUsed()).toBeNull();

    const h = await health();
    expect(h.storage.state).toBe("full");
    expect(typeof h.storage.since_ms).toBe("number");

    fsys!.free();
    await until((x) => x.storage.state === "ok");
    expect((await health()).storage).toEqual({
      state: "ok",
      since_ms: null,
      pending_writes: 0,
      log: "ok",
      dropped_log_lines: 0,
    });
    // The touch skipped while full is made by the next request.
    const later = await fetch(`${t.url}/manage/v1/me`, {
      headers: { authorization: `Bearer ${fresh.key}` },
    });
    expect(later.status).toBe(200);
    expect(lastUsed()).not.toBeNull();
  });

  it("a model file added while the disk is full is listed at once, and recorded once space returns", async () => {
    const present = () =>
      (
        t.core.db.prepare("SELECT id FROM models WHERE present = 1 ORDER BY id").all() as {
          id: string;
        }[]
      ).map((r) => r.id);
    expect(present()).toEqual(["tiny"]);
    fillDisk();
    const dir = t.core.paths.modelsDir;
    fs.symlinkSync(fs.realpathSync(path.join(dir, "tiny.gguf")), path.join(dir, "tiny-copy.gguf"));
    try {
      const res = await fetch(`${t.url}/v1/models`, { headers: t.auth });
      expect(res.status).toBe(200);
      const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
      expect(ids).toContain("tiny-copy");
      expect(present()).toEqual(["tiny"]);
      fsys!.free();
      await until((h) => h.storage.state === "ok");
      expect(present()).toEqual(["tiny", "tiny-copy"]);
    } finally {
      fs.rmSync(path.join(dir, "tiny-copy.gguf"));
      // The folder changed back: the next listing records that.
      await fetch(`${t.url}/v1/models`, { headers: t.auth });
    }
    expect(present()).toEqual(["tiny"]);
  });

  it("a request admitted before the disk filled is answered; its settlement waits in memory and is written when space returns: every row present, sums exact, integrity ok", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    upstream.script({ kind: "ok", holdUntil: gate, promptTokens: 11, completionTokens: 7 });
    const settledBefore = t.core.ledger.status(null).spend_today_micros;

    const answer = post("/v1/chat/completions", member.key, chat);
    // Admitted (its row is on disk) and at the upstream: now the disk fills.
    for (let i = 0; i < 400 && upstream.requests.length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(upstream.requests.length).toBe(1);
    fillDisk();
    open();

    const res = await answer;
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    expect(((await res.json()) as { usage: unknown }).usage).toMatchObject({
      prompt_tokens: 11,
      completion_tokens: 7,
    });
    // Acknowledged: its row is there, still reserved on disk; the settlement is pending.
    expect(usageRows(t.core, "request_id = ?", requestId).map((r) => r.state)).toEqual([
      "reserved",
    ]);
    expect((await health()).storage).toMatchObject({ state: "full", pending_writes: 1 });
    // Not in flight any more (its concurrency slot is free); its reservation still counts.
    expect(t.core.ledger.status(member.id).in_flight).toBe(0);
    expect(t.core.ledger.status(null).reserved_today_micros).toBe(
      usageRows(t.core, "request_id = ?", requestId)[0]!.reserved_micros,
    );

    fsys!.free();
    await until((h) => h.storage.state === "ok" && h.storage.pending_writes === 0);

    const [row] = usageRows(t.core, "request_id = ?", requestId);
    const cost = costMicros(PRICE, 11, 7);
    expect(row).toMatchObject({
      state: "settled",
      prompt_tokens: 11,
      completion_tokens: 7,
      cost_micros: cost,
      estimated: 0,
      orphaned: 0,
      outcome: "ok",
    });
    // The in-memory sums equal the ledger's, exactly.
    const sums = t.core.db
      .prepare(
        `SELECT coalesce(sum(cost_micros), 0) AS settled,
                coalesce(sum(CASE WHEN state = 'reserved' THEN reserved_micros END), 0) AS reserved
         FROM usage WHERE day = ?`,
      )
      .get(t.core.ledger.status(null).day) as { settled: number; reserved: number };
    expect(t.core.ledger.status(null)).toMatchObject({
      spend_today_micros: sums.settled,
      reserved_today_micros: 0,
    });
    expect(sums.reserved).toBe(0);
    expect(t.core.ledger.status(null).spend_today_micros).toBe(settledBefore + cost);
    expect(t.core.db.pragma("integrity_check", { simple: true })).toBe("ok");
  });
  it("an upstream refusing the key while the disk is full: the caller gets the same answer as with room (the key's status waits)", async () => {
    const keyStatus = () =>
      (
        t.core.db.prepare("SELECT status FROM connection_keys WHERE id = ?").get(keyId) as {
          status: string;
        }
      ).status;
    // With room on the disk: the refusal as the caller sees it, and the key disabled.
    upstream.script({ kind: "error", status: 401, message: "Incorrect API key provided." });
    const withRoom = await post("/v1/chat/completions", member.key, chat);
    const expected = [withRoom.status, await withRoom.json()];
    expect(keyStatus()).toBe("disabled");
    // An admin turns it back on (the pool reads keys again: it is usable in memory too).
    t.core.store.connections.setKeyStatus(keyId, "active", null);
    upstream.reset();

    // The same refusal, arriving once the disk is full: recording the key's status fails.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    upstream.script({
      kind: "error",
      status: 401,
      message: "Incorrect API key provided.",
      holdUntil: gate,
    });
    const logsBefore = t.logs.length;
    const answer = post("/v1/chat/completions", member.key, chat);
    for (let i = 0; i < 400 && upstream.requests.length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    fillDisk();
    open();
    const whileFull = await answer;
    expect([whileFull.status, await whileFull.json()]).toEqual(expected);
    expect(keyStatus()).toBe("active");
    expect(t.logs.slice(logsBefore).filter((l) => l.msg === "unhandled error")).toEqual([]);
    // The release of its reservation waits for space like a settlement.
    fsys!.free();
    await until((h) => h.storage.state === "ok" && h.storage.pending_writes === 0);
    expect(t.core.ledger.status(null)).toMatchObject({ in_flight: 0, reserved_today_micros: 0 });
  });
});

describe.skipIf(!canMountTinyFs)("stopping while the disk is still full (real tmpfs)", () => {
  it("a held settlement is not lost: its row stays reserved and the next start settles it at its reserved maximum; integrity ok", async () => {
    const disk = mountTinyFs(16 * 1024 * 1024);
    const dataDir = path.join(disk.dir, "data");
    const up = await startFakeUpstream({ protocol: "openai" });
    const first = await startTestServer({ dataDir });
    let second: TestServer | undefined;
    try {
      const c = first.core.store.connections.create({
        name: "upstream",
        kind: "openai_compatible",
        baseUrl: `${up.url}/v1`,
        headers: {},
        region: null,
        retention: null,
      });
      first.core.store.connections.addKey({
        connectionId: c.id,
        label: "main",
        secret: first.core.cipher.encrypt("sk-test-upstream"),
        last4: "ream",
      });
      first.core.store.pools.put({
        id: "gpt-4o-mini",
        strategy: "priority",
        maxAttempts: 1,
        targets: [{ connectionId: c.id, upstreamModel: "gpt-4o-mini", priority: 0, weight: 1 }],
      });
      first.core.store.limits.setPrice(PRICE);
      const m = first.addMember();
      let open!: () => void;
      up.script({ kind: "ok", holdUntil: new Promise<void>((r) => (open = r)) });
      const answer = fetch(`${first.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${m.key}`, "content-type": "application/json" },
        body: JSON.stringify(chat),
      });
      for (let i = 0; i < 400 && up.requests.length === 0; i++)
        await new Promise((r) => setTimeout(r, 25));
      first.core.db.pragma("wal_checkpoint(TRUNCATE)");
      disk.fill();
      open();
      const res = await answer;
      expect(res.status).toBe(200);
      const requestId = res.headers.get("x-request-id")!;
      expect(first.core.ledger.heldWrites).toBe(1);
      const reserved = usageRows(first.core, "request_id = ?", requestId)[0]!.reserved_micros;

      // Stopped while the disk is still full: the held settlement cannot be written.
      await first.core.close();
      disk.free();
      second = await startTestServer({ dataDir });
      const [row] = usageRows(second.core, "request_id = ?", requestId);
      expect(row).toMatchObject({
        state: "settled",
        cost_micros: reserved,
        usage_source: "reserved_max",
        estimated: 1,
        orphaned: 1,
        error_code: "interrupted",
      });
      expect(second.core.db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      await second?.close(); // removes the data dir
      await first.close();
      await up.close();
      disk.unmount();
    }
  });
});
