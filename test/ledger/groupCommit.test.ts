import fs from "node:fs";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CommitDurability } from "../../src-main/policy/commitDurability.js";
import { Ledger, type AdmitRequest } from "../../src-main/policy/ledger.js";
import { AlertsRepo } from "../../src-main/store/alertsRepo.js";
import { CreditsRepo } from "../../src-main/store/creditsRepo.js";
import { openDb } from "../../src-main/store/db.js";
import { LimitsRepo } from "../../src-main/store/limitsRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { SettingsRepo } from "../../src-main/store/settingsRepo.js";
import { UsageRepo } from "../../src-main/store/usageRepo.js";
import { tempDb } from "../helpers/tempDb.js";

/**
 * Group commit of admissions (CommitDurability): each admission commits without its own fsync
 * and `admitDurably` resolves once one fsync of the WAL, shared by every admission that
 * committed meanwhile, has run. On a real SQLite file.
 */
const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

/** $0.15 / $0.60 per million tokens: 10 prompt + 100 completion tokens hold 61.5 → 62 µ$. */
function setup() {
  const t = tempDb();
  disposers.push(t.dispose);
  const members = new MembersRepo(t.db);
  members.ensureOwner();
  const member = members.create({ name: "m", role: "member" });
  const limits = new LimitsRepo(t.db);
  limits.setPrice({
    model: "pool",
    input_micros_per_mtok: 150_000,
    output_micros_per_mtok: 600_000,
    billing_mode: "org",
  });
  const ledger = new Ledger({
    db: t.db,
    usage: new UsageRepo(t.db),
    credits: new CreditsRepo(t.db),
    alerts: new AlertsRepo(t.db),
    limits,
    settings: new SettingsRepo(t.db),
    log: pino({ level: "silent" }),
  });
  const request = (i: number): AdmitRequest => ({
    requestId: `req_${i}`,
    memberId: member.id,
    keyId: null,
    endpoint: "chat.completions",
    model: "pool",
    stream: false,
    promptTokens: 10,
    maxTokens: 100,
    contextTokens: 131_072,
    completion: true,
  });
  const state = (id: string) =>
    t.db.prepare("SELECT state, error_code FROM usage WHERE id = ?").get(id) as {
      state: string;
      error_code: string | null;
    };
  return { ...t, ledger, request, state, memberId: member.id, limits };
}

describe("group commit", () => {
  it("units queued while an fsync runs commit in one transaction and share the next fsync", async () => {
    const { db } = setup();
    const durability = new CommitDurability(db);
    expect(durability.grouped).toBe(true);
    db.exec("CREATE TABLE scratch (k TEXT PRIMARY KEY)");
    const insert = db.prepare("INSERT INTO scratch (k) VALUES (?)");
    const undone: string[] = [];
    // All queued in one tick: the first commits at once and starts an fsync; the rest wait for it.
    const units = Array.from({ length: 50 }, (_, i) =>
      durability.commitDurably(
        () => insert.run(i === 7 ? "k0" : `k${i}`).changes,
        () => undone.push(`k${i}`),
      ),
    );
    const settled = await Promise.allSettled(units);
    expect(durability.commits).toBe(2);
    expect(durability.syncs).toBe(2);
    // A unit that throws (a duplicate key) fails alone; its neighbours commit.
    expect(settled.filter((r) => r.status === "fulfilled")).toHaveLength(49);
    expect(settled[7]).toMatchObject({ status: "rejected" });
    expect(db.prepare("SELECT count(*) AS n FROM scratch").get()).toEqual({ n: 49 });
    expect(undone).toEqual([]);
    // The connection's own setting is back after every relaxed commit, a failed one too.
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(() => durability.relaxed(() => insert.run("k0"))).toThrow();
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("has nothing to group for a database in memory: commits keep their own setting", async () => {
    const db = openDb(":memory:");
    disposers.push(() => db.close());
    const durability = new CommitDurability(db);
    expect(durability.grouped).toBe(false);
    expect(() =>
      durability.commitDurably(
        () => 1,
        () => undefined,
      ),
    ).toThrow();
  });

  it("admitDurably writes the reserved row and holds the spend like admit", async () => {
    const { ledger, request, state, memberId } = setup();
    const results = await Promise.all([1, 2, 3].map((i) => ledger.admitDurably(request(i))));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    for (const i of [1, 2, 3])
      expect(state(`req_${i}:1`)).toEqual({ state: "reserved", error_code: null });
    expect(ledger.status(memberId).reserved_today_micros).toBe(3 * 62);
    expect(ledger.status(memberId).in_flight).toBe(3);
  });

  it("admissions sharing a transaction count each other: a cap of five worst cases admits five", async () => {
    const { ledger, request, limits, memberId, db } = setup();
    limits.setLimits(memberId, { daily_cap_micros: 5 * 62 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ledger.admitDurably(request(i))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? null : r.rejection.kind))).toEqual(
      Array(7).fill("budget"),
    );
    expect(db.prepare("SELECT count(*) AS n FROM usage WHERE state = 'reserved'").get()).toEqual({
      n: 5,
    });
    expect(ledger.status(memberId).reserved_today_micros).toBe(5 * 62);
  });

  it("refuses like admit, without writing", async () => {
    const { ledger, request, limits, memberId, state } = setup();
    limits.setLimits(memberId, { allowed_models: ["other"] });
    const r = await ledger.admitDurably(request(1));
    expect(r).toMatchObject({
      ok: false,
      rejection: { kind: "model_not_allowed", scope: "member" },
    });
    expect(state("req_1:1")).toBeUndefined();
  });

  it("an admission that cannot be synced is released and rejected, its spend given back", async () => {
    const { ledger, request, state, memberId, file } = setup();
    // The WAL exists once something committed; without it the fsync cannot run.
    expect((await ledger.admitDurably(request(1))).ok).toBe(true);
    fs.unlinkSync(`${file}-wal`);
    await expect(ledger.admitDurably(request(2))).rejects.toThrow(
      "The usage ledger could not be written to disk.",
    );
    expect(state("req_2:1")).toEqual({ state: "released", error_code: "storage_error" });
    expect(ledger.status(memberId).reserved_today_micros).toBe(62);
    expect(ledger.status(memberId).in_flight).toBe(1);
  });
});
