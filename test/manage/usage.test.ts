import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayEndMs, dayStartMs, periodKeys } from "../../src-main/policy/periods.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";

let t: TestServer;
let owner: ReturnType<typeof client>;
let a: TestMember;
let b: TestMember;
let startMs: number;
/** Token counts the SDK reported, per member and model: the ground truth next to the rows. */
const reported = new Map<string, { prompt: number; completion: number; requests: number }>();

async function chat(m: TestMember, model: string, content: string) {
  const res = await m.openai.chat.completions.create({
    model,
    messages: [{ role: "user", content }],
    max_tokens: 3,
    temperature: 0,
  });
  const k = `${m.id}|${model}`;
  const r = reported.get(k) ?? { prompt: 0, completion: 0, requests: 0 };
  r.prompt += res.usage!.prompt_tokens;
  r.completion += res.usage!.completion_tokens;
  r.requests += 1;
  reported.set(k, r);
}

beforeAll(async () => {
  const tiny = generatedModel();
  t = await startTestServer({ models: { tiny, tiny2: tiny } });
  owner = client(t, t.auth);
  // Priced, so cost sums are not trivially zero: $1 and $2 per million tokens.
  await owner.put("/prices/tiny", {
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 2_000_000,
    billing_mode: "org",
  });
  a = t.addMember({ name: "A" });
  b = t.addMember({ name: "B" });
  startMs = Date.now();
  await chat(a, "tiny", "hello");
  await chat(a, "tiny", "a longer question here");
  await chat(a, "tiny2", "hi");
  await chat(b, "tiny", "bonjour");
});
afterAll(async () => {
  await t?.close();
});

interface Row {
  member_id: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_micros: number;
  estimated_requests: number;
}
/** The same sums straight from the usage table. */
function rowsFromDb(): Row[] {
  return t.core.db
    .prepare(
      `SELECT member_id, requested_model AS model, count(*) AS requests,
         sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
         sum(cached_tokens) AS cached_tokens, sum(cost_micros) AS cost_micros,
         sum(estimated) AS estimated_requests
       FROM usage WHERE state = 'settled' GROUP BY member_id, requested_model
       ORDER BY member_id, requested_model`,
    )
    .all() as Row[];
}

describe("GET /usage", () => {
  it("day buckets grouped by member and model equal the usage rows and the SDK's counts", async () => {
    const res = await owner.get(`/usage?start_ms=${startMs}&group_by=member_id,model`);
    expect(res.status).toBe(200);
    const tz = t.core.ledger.timeZone();
    const now = Date.now();
    const db = rowsFromDb();
    expect(db).toHaveLength(3);
    for (const r of db) {
      const sdk = reported.get(`${r.member_id}|${r.model}`)!;
      expect(r).toMatchObject({
        requests: sdk.requests,
        prompt_tokens: sdk.prompt,
        completion_tokens: sdk.completion,
      });
      const perM = r.model === "tiny" ? r.prompt_tokens + 2 * r.completion_tokens : 0;
      expect(r.cost_micros).toBe(perM);
    }
    // Normally one day; two when the test straddles the org's midnight.
    const days = periodKeys(startMs, tz).day === periodKeys(now, tz).day ? 1 : 2;
    expect(res.body.data).toHaveLength(days);
    const bucket = res.body.data.at(-1);
    expect(bucket.start_ms).toBe(dayStartMs(now, tz));
    expect(bucket.end_ms).toBe(dayEndMs(now, tz));
    if (days === 1) expect(bucket.results).toEqual(db);
    const sum = (k: keyof Row) => db.reduce((s, r) => s + (r[k] as number), 0);
    expect(res.body.totals).toEqual({
      requests: 4,
      prompt_tokens: sum("prompt_tokens"),
      completion_tokens: sum("completion_tokens"),
      cached_tokens: sum("cached_tokens"),
      cost_micros: sum("cost_micros"),
      estimated_requests: 0,
      in_flight_requests: 0,
      reserved_micros: 0,
    });
    expect(res.body.totals.cost_micros).toBeGreaterThan(0);
  });

  it("groups by model alone, or not at all, and filters by member and model", async () => {
    const byModel = await owner.get(`/usage?start_ms=${startMs}&group_by=model`);
    const results = byModel.body.data.flatMap((d: { results: unknown[] }) => d.results);
    const tinyRows = rowsFromDb().filter((r) => r.model === "tiny");
    expect(results.find((r: { model: string }) => r.model === "tiny")).toEqual({
      model: "tiny",
      requests: 3,
      prompt_tokens: tinyRows.reduce((s, r) => s + r.prompt_tokens, 0),
      completion_tokens: tinyRows.reduce((s, r) => s + r.completion_tokens, 0),
      cached_tokens: tinyRows.reduce((s, r) => s + r.cached_tokens, 0),
      cost_micros: tinyRows.reduce((s, r) => s + r.cost_micros, 0),
      estimated_requests: 0,
    });
    const all = await owner.get(`/usage?start_ms=${startMs}`);
    const flat = all.body.data.flatMap((d: { results: object[] }) => d.results);
    expect(flat.reduce((s: number, r: { requests: number }) => s + r.requests, 0)).toBe(4);
    expect(Object.keys(flat[0])).not.toContain("member_id");
    const onlyB = await owner.get(`/usage?start_ms=${startMs}&member_id=${b.id}&model=tiny`);
    expect(onlyB.body.totals.requests).toBe(1);
    expect(onlyB.body.totals.prompt_tokens).toBe(reported.get(`${b.id}|tiny`)!.prompt);
  });

  it("hour buckets are every UTC hour of the range, empty ones included", async () => {
    const hour = 3_600_000;
    const from = startMs - 2 * hour;
    const res = await owner.get(`/usage?start_ms=${from}&bucket=hour&group_by=member_id`);
    const starts = res.body.data.map((d: { start_ms: number }) => d.start_ms);
    expect(starts[0]).toBe(from - (from % hour));
    for (const [i, d] of res.body.data.entries())
      expect(d.end_ms - d.start_ms, `bucket ${i}`).toBe(hour);
    const withData = res.body.data.filter((d: { results: unknown[] }) => d.results.length > 0);
    const requests = withData.flatMap((d: { results: { requests: number }[] }) => d.results);
    expect(requests.reduce((s: number, r: { requests: number }) => s + r.requests, 0)).toBe(4);
    expect(res.body.data.length - withData.length).toBeGreaterThanOrEqual(2);
  });

  it("a member sees only their own usage", async () => {
    const me = client(t, bearer(a.key));
    const res = await me.get(`/usage?start_ms=${startMs}&group_by=member_id`);
    const ids = new Set(
      res.body.data.flatMap((d: { results: { member_id: string }[] }) =>
        d.results.map((r) => r.member_id),
      ),
    );
    expect([...ids]).toEqual([a.id]);
    expect(res.body.totals.requests).toBe(3);
    expect((await me.get(`/usage?start_ms=${startMs}&member_id=${b.id}`)).status).toBe(404);
  });

  it("validates the query", async () => {
    const cases: [string, string][] = [
      [`/usage?start_ms=${startMs}&bucket=week`, "bucket"],
      [`/usage?start_ms=${startMs}&group_by=key_id`, "group_by"],
      [`/usage?start_ms=abc`, "start_ms"],
      [`/usage`, "start_ms"],
      [`/usage?start_ms=${startMs}&end_ms=${startMs - 1}`, "end_ms"],
      [`/usage?start_ms=0&bucket=hour`, "start_ms"],
      [`/usage?start_ms=${startMs}&colour=red`, "colour"],
    ];
    for (const [url, param] of cases) {
      const r = await owner.get(url);
      expect(r.status, url).toBe(400);
      expect(r.body.error.param, url).toBe(param);
    }
  });
});

describe("GET /usage/requests", () => {
  it("pages the request log newest first", async () => {
    const ids = (
      t.core.db.prepare("SELECT id FROM usage ORDER BY created_ms DESC, id DESC").all() as {
        id: string;
      }[]
    ).map((r) => r.id);
    expect(ids).toHaveLength(4);
    const first = await owner.get("/usage/requests?limit=3");
    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 3));
    expect(first.body.has_more).toBe(true);
    const last = first.body.data[2];
    const next = await owner.get(
      `/usage/requests?limit=3&before_ms=${last.created_ms}&before_id=${encodeURIComponent(last.id)}`,
    );
    expect(next.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(3));
    expect(next.body.has_more).toBe(false);
    const row = t.core.store.usage.row(ids[0]!)!;
    expect(first.body.data[0]).toMatchObject({
      id: row.id,
      member_id: row.member_id,
      model: row.requested_model,
      state: "settled",
      prompt_tokens: row.prompt_tokens,
      completion_tokens: row.completion_tokens,
      cost_micros: row.cost_micros,
      stream: false,
      estimated: false,
      outcome: "ok",
    });
    const mine = await client(t, bearer(b.key)).get("/usage/requests");
    expect(mine.body.data.map((r: { member_id: string }) => r.member_id)).toEqual([b.id]);
    const tiny2 = await owner.get("/usage/requests?model=tiny2");
    expect(tiny2.body.data).toHaveLength(1);
  });
});
