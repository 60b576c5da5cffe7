import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";

let clock = Date.UTC(2026, 0, 10, 12);
let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  // The core's clock: admission times (the rows' ages) and the retention sweep's "now".
  t = await startTestServer({ now: () => clock });
  owner = client(t, t.auth);
  await owner.patch("/settings", { time_zone: "UTC" });
});
afterAll(async () => {
  await t?.close();
});

interface Row {
  id: string;
  created_ms: number;
  month: string;
  cost_micros: number;
}
const rows = () =>
  t.core.db
    .prepare("SELECT id, created_ms, month, cost_micros FROM usage ORDER BY created_ms")
    .all() as Row[];
const creditLedger = () => t.core.db.prepare("SELECT * FROM credit_ledger ORDER BY id").all();

describe("settings: model idle TTL and retention", () => {
  it("reads the defaults, validates, stores and applies changes", async () => {
    expect((await owner.get("/settings")).body).toEqual({
      time_zone: "UTC",
      anonymous_loopback: false,
      model_idle_ttl_s: 900,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    for (const bad of [{ model_idle_ttl_s: -1 }, { model_idle_ttl_s: 1.5 }, { retention_days: 0 }])
      expect((await owner.patch("/settings", bad)).status, JSON.stringify(bad)).toBe(400);

    const admin = client(t, bearer(t.addMember({ role: "admin" }).key));
    const r = await admin.patch("/settings", { model_idle_ttl_s: 120 });
    expect(r.body).toEqual({
      time_zone: "UTC",
      anonymous_loopback: false,
      model_idle_ttl_s: 120,
      retention_days: null,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    expect(t.core.engine.idleTtlS).toBe(120);
    expect(t.core.store.settings.get("engine.idle_ttl_s")).toBe(120);
    const row = auditRows(t).at(-1)!;
    expect(row.action).toBe("settings.update");
    expect(JSON.parse(row.before_json as string).model_idle_ttl_s).toBe(900);
    expect(JSON.parse(row.after_json as string).model_idle_ttl_s).toBe(120);
    const viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
    expect((await viewer.patch("/settings", { retention_days: 30 })).status).toBe(403);
    // Retention deletes billing history for good: an admin may not, and nothing changes.
    const refused = await admin.patch("/settings", { retention_days: 30 });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ param: "retention_days" });
    expect((await admin.get("/settings")).body.retention_days).toBeNull();
    expect((await admin.patch("/settings", { model_idle_ttl_s: 60 })).status).toBe(200);
  });

  it("retention deletes exactly the usage rows older than N days; credits and the current month stay", async () => {
    const m = t.addMember({ name: "Retained" });
    await owner.post(`/members/${m.id}/credits`, { kind: "grant", amount_micros: 10_000_000 });
    const ask = async (at: number) => {
      clock = at;
      await m.openai.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 1,
      });
    };
    const price = { input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000 };
    // A: member-paid, so a credit debit points at its row.
    await owner.put("/prices/tiny", { ...price, billing_mode: "member" });
    await ask(Date.UTC(2026, 0, 10, 12));
    await owner.put("/prices/tiny", { ...price, billing_mode: "org" });
    await ask(Date.UTC(2026, 0, 20, 12)); // B
    await ask(Date.UTC(2026, 1, 5, 12)); // C
    await ask(Date.UTC(2026, 1, 25, 12)); // D
    await ask(Date.UTC(2026, 2, 3, 12)); // E: this month
    const [a, b, c, d, e] = rows();
    expect([a, b, c, d, e].every((r) => r!.cost_micros > 0)).toBe(true);
    const ledgerBefore = creditLedger();
    expect(ledgerBefore.filter((l) => (l as { usage_id: string }).usage_id === a!.id)).toHaveLength(
      1,
    );
    const balance = t.core.ledger.creditsOf(m.id).balance;
    const audits = auditCount(t);

    // Now 2026-03-10 12:00 UTC; 30 days → cutoff 02-08 12:00: B and C go, A stays (credits).
    clock = Date.UTC(2026, 2, 10, 12);
    const march = t.core.ledger.status(m.id).spend_month_micros;
    expect(march).toBe(e!.cost_micros);
    const set = await owner.patch("/settings", { retention_days: 30 });
    expect(set.body.retention_days).toBe(30);
    expect(rows().map((r) => r.id)).toEqual([a!.id, d!.id, e!.id]);

    // 5 days → cutoff 03-05: D goes; E is older too, but this month's budget still counts it.
    await owner.patch("/settings", { retention_days: 5 });
    expect(rows().map((r) => r.id)).toEqual([a!.id, e!.id]);
    expect(t.core.ledger.status(m.id).spend_month_micros).toBe(march);

    // The hourly sweep, a month later (fake clock): E's month is over.
    clock = Date.UTC(2026, 3, 2, 12);
    expect(t.core.serverControl.sweeper.sweepNow()).toEqual({ deleted: 1, keptForCredits: 1 });
    expect(rows().map((r) => r.id)).toEqual([a!.id]);
    expect(t.core.serverControl.sweeper.sweepNow()).toEqual({ deleted: 0, keptForCredits: 1 });

    // The credits ledger and the balance are untouched; the audit log only grew.
    expect(creditLedger()).toEqual(ledgerBefore);
    expect(t.core.ledger.creditsOf(m.id).balance).toBe(balance);
    expect(auditCount(t)).toBe(audits + 2);
    expect((await owner.get("/audit/verify")).body).toMatchObject({ ok: true });
    const log = await client(t, bearer(m.key)).get("/usage/requests");
    expect(log.body.data.map((r: { id: string }) => r.id)).toEqual([a!.id]);

    // null keeps everything again.
    await owner.patch("/settings", { retention_days: null });
    expect(t.core.serverControl.sweeper.sweepNow()).toBeNull();
  });
});
