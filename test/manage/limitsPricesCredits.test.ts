import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_LIMITS } from "../../src-main/contract/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
});

describe("limits", () => {
  it("sets org, default and member limits; effective = member ← default", async () => {
    expect((await owner.get("/limits/org")).body).toEqual({ set: {}, effective: NO_LIMITS });
    const org = await owner.put("/limits/org", { max_concurrent: 8, monthly_cap_micros: null });
    expect(org.body).toEqual({
      set: { max_concurrent: 8, monthly_cap_micros: null },
      effective: { ...NO_LIMITS, max_concurrent: 8 },
    });
    const def = await owner.put("/limits/default", { rpm: 100, daily_cap_micros: 5_000_000 });
    expect(def.body).toEqual({
      set: { rpm: 100, daily_cap_micros: 5_000_000 },
      effective: { ...NO_LIMITS, rpm: 100, daily_cap_micros: 5_000_000 },
    });
    const m = t.addMember();
    const set = await owner.put(`/members/${m.id}/limits`, { rpm: 1, allowed_models: ["tiny"] });
    const view = {
      set: { rpm: 1, allowed_models: ["tiny"] },
      effective: { ...NO_LIMITS, rpm: 1, daily_cap_micros: 5_000_000, allowed_models: ["tiny"] },
    };
    expect(set.body).toEqual(view);
    expect((await client(t, bearer(m.key)).get(`/members/${m.id}/limits`)).body).toEqual(view);
    expect(t.core.ledger.memberLimits(m.id)).toEqual(view.effective);

    // The ledger reads them on the next admission: rpm 1 admits one request a minute.
    const ask = () =>
      m.openai.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 1,
      });
    await ask();
    await expect(ask()).rejects.toMatchObject({ status: 429 });

    const cleared = await owner.put(`/members/${m.id}/limits`, {});
    expect(cleared.body.set).toEqual({});
    expect(cleared.body.effective.rpm).toBe(100);
  });

  it("refuses bad limits", async () => {
    const m = t.addMember();
    for (const [body, param] of [
      [{ rpm: -1 }, "rpm"],
      [{ rpm: 1.5 }, "rpm"],
      [{ daily_cap_usd: 1 }, "daily_cap_usd"],
      [{ allowed_models: "tiny" }, "allowed_models"],
    ] as const) {
      const r = await owner.put(`/members/${m.id}/limits`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.param).toBe(param);
    }
    expect(t.core.store.limits.limits(m.id)).toEqual({});
  });

  it("reports live status for a member and the org", async () => {
    const m = t.addMember();
    const s = await client(t, bearer(m.key)).get(`/members/${m.id}/status`);
    expect(s.body).toEqual({
      ...t.core.ledger.status(m.id),
      credits: { balance_micros: 0, reserved_micros: 0, available_micros: 0 },
    });
    const org = await owner.get("/org/status");
    expect(org.body).toEqual(t.core.ledger.status(null));
    expect(org.body.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("prices", () => {
  it("sets, lists and deletes prices, model ids with '/' included", async () => {
    const body = {
      input_micros_per_mtok: 150_000,
      output_micros_per_mtok: 600_000,
      billing_mode: "member",
    };
    const put = await owner.put("/prices/acme/model-x", body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ model: "acme/model-x", ...body });
    expect(t.core.ledger.price("acme/model-x")).toEqual(put.body);
    expect((await owner.get("/prices")).body).toEqual({ object: "list", data: [put.body] });
    const withModel = await owner.put("/prices/tiny", { ...body, model: "other" });
    expect(withModel.body.error).toMatchObject({ param: "model", code: "unknown_parameter" });
    const neg = await owner.put("/prices/tiny", { ...body, input_micros_per_mtok: -1 });
    expect(neg.body.error.param).toBe("input_micros_per_mtok");
    const del = await owner.del("/prices/acme/model-x");
    expect(del.body).toEqual({ model: "acme/model-x", deleted: true });
    expect(t.core.ledger.price("acme/model-x").input_micros_per_mtok).toBe(0);
    expect((await owner.del("/prices/acme/model-x")).status).toBe(404);
  });
});

describe("credits", () => {
  it("grants, tops up and adjusts; the balance is the ledger's sum", async () => {
    const m = t.addMember();
    const grant = await owner.post(`/members/${m.id}/credits`, {
      kind: "grant",
      amount_micros: 2_000_000,
      note: "welcome",
    });
    expect(grant.status).toBe(201);
    const entry = t.core.store.credits.entries(m.id)[0]!;
    expect(grant.body).toEqual({
      balance_micros: 2_000_000,
      reserved_micros: 0,
      available_micros: 2_000_000,
      entries: [
        {
          id: entry.id,
          kind: "grant",
          amount_micros: 2_000_000,
          usage_id: null,
          actor_id: t.core.ownerId,
          note: "welcome",
          created_ms: entry.createdMs,
        },
      ],
    });
    await owner.post(`/members/${m.id}/credits`, { kind: "topup", amount_micros: 500_000 });
    const adj = await owner.post(`/members/${m.id}/credits`, {
      kind: "adjustment",
      amount_micros: -250_000,
    });
    expect(adj.body).toMatchObject({ balance_micros: 2_250_000, available_micros: 2_250_000 });
    expect(adj.body.entries.map((e: { kind: string }) => e.kind)).toEqual([
      "adjustment",
      "topup",
      "grant",
    ]);
    expect(t.core.ledger.creditsOf(m.id).balance).toBe(2_250_000);
    const mine = await client(t, bearer(m.key)).get(`/members/${m.id}/credits?limit=1`);
    expect(mine.body.entries).toHaveLength(1);
    expect(mine.body.balance_micros).toBe(2_250_000);

    for (const body of [
      { kind: "topup", amount_micros: -1 },
      { kind: "grant", amount_micros: 0 },
      { kind: "adjustment", amount_micros: 0 },
      { kind: "grant", amount_micros: 1.5 },
      { kind: "debit", amount_micros: 5 },
    ]) {
      const r = await owner.post(`/members/${m.id}/credits`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(t.core.ledger.creditsOf(m.id).balance).toBe(2_250_000);
    const self = await client(t, bearer(m.key)).post(`/members/${m.id}/credits`, {
      kind: "grant",
      amount_micros: 1,
    });
    expect(self.status).toBe(403);
  });
});
