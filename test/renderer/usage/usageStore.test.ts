import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createUsageStore } from "../../../src-renderer/stores/useUsageStore";
import { startTestServer, type TestMember, type TestServer } from "../../helpers/testServer";
import { BASE, BULK, bulk, HOUR, seed, seeds } from "../../manage/usageSeeds";

/**
 * The usage store against a real server with the seeded usage rows (test/manage/usageSeeds.ts),
 * its clock two hours after them: the week's window, totals, latency, log paging and filters,
 * the CSV, and a member's view.
 */
let t: TestServer;
let a: TestMember;
let b: TestMember;
const NOW = BASE + 2 * HOUR;

beforeAll(async () => {
  t = await startTestServer();
  a = t.addMember({ name: "Ada" });
  b = t.addMember({ name: "Bo" });
  t.core.db.transaction(() => {
    for (const s of seeds) seed(t, { a, b }, s);
    for (let i = 0; i < BULK; i++) seed(t, { a, b }, bulk(i));
  })();
});
afterAll(async () => {
  await t?.close();
});

const storeFor = (key: string) =>
  createUsageStore({
    connect: async () => createApiClient(t.url, { apiKey: () => key }),
    now: () => NOW,
    pageSize: 4,
  });

/** Row ids straight from the ledger, newest first, optionally for one member. */
const ledgerIds = (memberId?: string) =>
  (
    t.core.db
      .prepare(
        `SELECT id FROM usage ${memberId ? "WHERE member_id = ?" : ""} ORDER BY created_ms DESC, id DESC`,
      )
      .all(...(memberId ? [memberId] : [])) as { id: string }[]
  ).map((r) => r.id);

describe("the usage store", () => {
  it("loads the week, pages the log with its cursor and filters it, and exports the CSV", async () => {
    const store = storeFor(t.core.ownerToken);
    await store.getState().start({ staff: true, memberId: "mem_owner", name: "Owner" });
    const s = store.getState();
    expect(s.error).toBeUndefined();
    // The window starts at the org day the server widened the week's start to.
    expect(s.window).toEqual({ start_ms: s.page!.data[0]!.start_ms, end_ms: NOW });
    expect(s.page!.data).toHaveLength(7);
    expect(s.page!.totals).toMatchObject({ requests: 13 + BULK, cost_micros: 180 + BULK });
    expect(s.latency.map((l) => l.model)).toContain("bench");
    expect(s.memberNames).toMatchObject({ [a.id]: "Ada", [b.id]: "Bo" });

    const all = ledgerIds();
    expect(s.log.rows.map((r) => r.id)).toEqual(all.slice(0, 4));
    await store.getState().nextLogPage();
    await store.getState().nextLogPage();
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(all.slice(8, 12));
    expect(store.getState().log.cursors).toHaveLength(2);
    await store.getState().prevLogPage();
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(all.slice(4, 8));

    await store.getState().setLogFilters({ member: a.id, provider: "remote" });
    expect(store.getState().log).toMatchObject({ cursors: [], hasMore: false });
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(["req_3:2", "req_3:1"]);
    await store.getState().setLogFilters({ provider: undefined, status: "in_flight" });
    expect(store.getState().log.filters).toEqual({ member: a.id, status: "in_flight" });
    expect(store.getState().log.rows).toEqual([]);
    await store.getState().setLogFilters({ member: b.id });
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(["req_6:1"]);
    // Grouped by route category too: none of the seeded requests was routed.
    const categories = s.page!.data.flatMap((d) => d.results.map((r) => r.category));
    expect(new Set(categories)).toEqual(new Set([null]));
    await store.getState().setLogFilters({ category: "code" });
    expect(store.getState().log.rows).toEqual([]);
    await store.getState().setLogFilters({ category: "-" });
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(["req_6:1"]);

    const { blob, filename } = await store.getState().exportCsv();
    expect(filename).toMatch(/^benchtop-requests-.*\.csv$/);
    const lines = (await blob.text()).split("\r\n");
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(["req_6:1"]);

    // The audit export: the window and the member filter only (every attempt, oldest first).
    const inWindow = (memberId: string) =>
      (
        t.core.db
          .prepare(
            `SELECT id FROM usage WHERE member_id = ? AND created_ms >= ? AND created_ms < ?
             ORDER BY created_ms, id`,
          )
          .all(memberId, s.window!.start_ms, s.window!.end_ms) as { id: string }[]
      ).map((r) => r.id);
    const jsonl = await store.getState().exportAudit("jsonl");
    expect(jsonl.filename).toMatch(/^benchtop-audit-.*\.jsonl$/);
    const records = (await jsonl.blob.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; member_id: string });
    expect(records.map((r) => r.id)).toEqual(inWindow(b.id));
    const csv = await store.getState().exportAudit("csv");
    expect(csv.filename).toMatch(/^benchtop-audit-.*\.csv$/);
    const csvLines = (await csv.blob.text()).split("\r\n");
    expect(csvLines[0]!.startsWith("id,request_id,attempt,")).toBe(true);
    expect(csvLines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(inWindow(b.id));
    // No seeded row went through the guard step: nothing checked in the range.
    expect(store.getState().guard).toMatchObject({ requests: 0, with_secrets: 0, with_pii: 0 });
  });

  it("gives a member their own usage and names only them, stacked by model", async () => {
    const store = storeFor(a.key);
    await store.getState().start({ staff: false, memberId: a.id, name: "Ada" });
    const s = store.getState();
    expect(s.error).toBeUndefined();
    expect(s.stackBy).toBe("model");
    expect(s.memberNames).toEqual({ [a.id]: "Ada" });
    expect(s.connectionNames).toEqual({});
    expect(s.page!.totals).toMatchObject({ requests: 3, cost_micros: 69 });
    expect(s.log.rows.map((r) => r.id)).toEqual(ledgerIds(a.id));
    // A member filter is never sent for a member.
    await store.getState().setLogFilters({ member: b.id });
    expect(store.getState().log.filters).toEqual({});
    expect(store.getState().log.rows.map((r) => r.id)).toEqual(ledgerIds(a.id));
  });

  it("lists the window's client sessions and narrows the log to one", async () => {
    // Ada's rows (all in the window, as above) are one agent session; one of Bo's another.
    t.core.db.prepare("UPDATE usage SET session_id = 'task-ada' WHERE member_id = ?").run(a.id);
    t.core.db.prepare("UPDATE usage SET session_id = 'task-bo' WHERE id = 'req_6:1'").run();
    const store = storeFor(t.core.ownerToken);
    await store.getState().start({ staff: true, memberId: "mem_owner", name: "Owner" });
    const s = store.getState();
    expect(s.sessions.map((x) => [x.session_id, x.member_id]).sort()).toEqual(
      [
        ["task-ada", a.id],
        ["task-bo", b.id],
      ].sort(),
    );
    expect(s.sessionsHasMore).toBe(false);
    // The session's sums are those of Ada's settled rows: her usage page totals above.
    expect(s.sessions.find((x) => x.session_id === "task-ada")).toMatchObject({
      requests: 3,
      cost_micros: 69,
    });
    await store.getState().setLogFilters({ session: "task-ada" });
    expect(store.getState().log.rows.map((r) => [r.id, r.session_id])).toEqual(
      ledgerIds(a.id).map((id) => [id, "task-ada"]),
    );
    // A member sees their own sessions only.
    const mine = storeFor(b.key);
    await mine.getState().start({ staff: false, memberId: b.id, name: "Bo" });
    expect(mine.getState().sessions.map((x) => x.session_id)).toEqual(["task-bo"]);
  });
});
