import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvCell } from "../../src-main/server/manage/usageCsv.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";
import { BASE, BULK, bulk, CON_A, CON_B, FORMULA_MODEL, HOUR, seed, seeds } from "./usageSeeds.js";

/**
 * The usage page's queries over seeded usage rows with exact values: grouping by provider of
 * record, latency percentiles, the request log's filters and its CSV export.
 */
let t: TestServer;
let owner: ReturnType<typeof client>;
let a: TestMember;
let b: TestMember;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
  a = t.addMember({ name: "A" });
  b = t.addMember({ name: "B" });
  t.core.db.transaction(() => {
    for (const s of seeds) seed(t, { a, b }, s);
    for (let i = 0; i < BULK; i++) seed(t, { a, b }, bulk(i));
  })();
});
afterAll(async () => {
  await t?.close();
});

const ids = (body: { data: { id: string }[] }) => body.data.map((r) => r.id);
const range = `start_ms=${BASE}&end_ms=${BASE + 2 * HOUR}`;

describe("GET /usage by provider of record", () => {
  it("groups hour buckets by provider and filters local or remote", async () => {
    const res = await owner.get(`/usage?${range}&bucket=hour&group_by=provider`);
    expect(res.status).toBe(200);
    expect(res.body.time_zone).toBe(t.core.ledger.timeZone());
    expect(res.body.data.map((d: { start_ms: number }) => d.start_ms)).toEqual([BASE, BASE + HOUR]);
    const sums = (p: object) => ({
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      estimated_requests: 0,
      ...p,
    });
    expect(res.body.data[0].results).toEqual([
      sums({ provider: null, requests: 1, cost_micros: 100, estimated_requests: 1 }),
      sums({
        provider: CON_A,
        requests: 1,
        prompt_tokens: 1,
        completion_tokens: 1,
        cost_micros: 3,
      }),
      sums({
        provider: CON_B,
        requests: 1,
        prompt_tokens: 7,
        completion_tokens: 3,
        cost_micros: 9,
      }),
      sums({
        provider: "local",
        requests: 3,
        prompt_tokens: 34,
        completion_tokens: 17,
        cost_micros: 68,
      }),
    ]);
    expect(res.body.data[1].results).toEqual([
      sums({
        provider: "local",
        requests: 7,
        prompt_tokens: 7,
        completion_tokens: 7,
        cost_micros: 0,
      }),
    ]);
    const remote = await owner.get(`/usage?${range}&bucket=hour&provider=remote`);
    expect(remote.body.totals).toMatchObject({ requests: 2, prompt_tokens: 8, cost_micros: 12 });
    const one = await owner.get(
      `/usage?${range}&bucket=hour&provider=${CON_B}&group_by=member_id,model,provider`,
    );
    expect(one.body.data[0].results).toEqual([
      sums({
        member_id: a.id,
        model: "gpt-x",
        provider: CON_B,
        requests: 1,
        prompt_tokens: 7,
        completion_tokens: 3,
        cost_micros: 9,
      }),
    ]);
    // In flight: the reserved row's worst case, never part of cost.
    expect(res.body.totals).toMatchObject({
      requests: 13,
      cost_micros: 180,
      in_flight_requests: 1,
      reserved_micros: 500,
    });
    expect((await owner.get(`/usage?${range}&provider=elsewhere`)).body.error.param).toBe(
      "provider",
    );
  });
});

describe("GET /usage/latency", () => {
  it("gives nearest-rank p50/p95/p99 of TTFT and total latency per model, over ok requests", async () => {
    const res = await owner.get(`/usage/latency?${range}`);
    expect(res.status).toBe(200);
    const stats = (
      samples: number,
      p50: number | null,
      p95: number | null,
      p99: number | null,
    ) => ({ samples, p50_ms: p50, p95_ms: p95, p99_ms: p99 });
    expect(res.body).toEqual({
      object: "list",
      data: [
        { model: FORMULA_MODEL, ttft: stats(1, 30, 30, 30), total: stats(1, 300, 300, 300) },
        // 7 values: ranks ⌈3.5⌉ = 4, ⌈6.65⌉ = 7, ⌈6.93⌉ = 7; 4 TTFTs: ranks 2, 4, 4.
        { model: "bench", ttft: stats(4, 2, 4, 4), total: stats(7, 40, 70, 70) },
        { model: "gpt-x", ttft: stats(1, 50, 50, 50), total: stats(1, 700, 700, 700) },
        // The aborted and the estimated error rows do not count; two ok rows: ranks 1, 2, 2.
        { model: "tiny", ttft: stats(2, 100, 200, 200), total: stats(2, 1000, 2000, 2000) },
      ],
    });
    const mine = await client(t, bearer(a.key)).get(`/usage/latency?${range}`);
    expect(mine.body.data.map((m: { model: string }) => m.model)).toEqual(["gpt-x", "tiny"]);
    const theirs = await client(t, bearer(a.key)).get(`/usage/latency?${range}&member_id=${b.id}`);
    expect(theirs.status).toBe(404);
    const local = await owner.get(`/usage/latency?${range}&provider=local&model=tiny`);
    expect(local.body.data).toEqual([
      { model: "tiny", ttft: stats(2, 100, 200, 200), total: stats(2, 1000, 2000, 2000) },
    ]);
    const bad = await owner.get(`/usage/latency?start_ms=${BASE}&end_ms=${BASE}`);
    expect([bad.status, bad.body.error.param]).toEqual([400, "end_ms"]);
  });
});

describe("GET /usage/requests filters", () => {
  it("narrows by state, outcome, provider, fallback, time and member", async () => {
    const q = async (filters: string) => {
      const res = await owner.get(`/usage/requests?limit=100&${filters}`);
      expect(res.status, filters).toBe(200);
      return ids(res.body).filter((id) => !id.startsWith("req_b"));
    };
    expect(await q("state=reserved")).toEqual(["req_6:1"]);
    expect(await q("state=released")).toEqual(["req_3:1"]);
    expect(await q("outcome=aborted")).toEqual(["req_5:1"]);
    expect(await q("provider=local")).toEqual(["req_5:1", "req_2:1", "req_1:1"]);
    expect(await q("provider=remote")).toEqual(["req_4:1", "req_3:2", "req_3:1"]);
    expect(await q(`provider=${CON_A}`)).toEqual(["req_4:1", "req_3:1"]);
    expect(await q("fallback=true")).toEqual(["req_3:2", "req_3:1"]);
    expect(await q("fallback=false&provider=remote")).toEqual(["req_4:1"]);
    expect(await q(`start_ms=${BASE + 2000}&end_ms=${BASE + 4000}`)).toEqual([
      "req_4:1",
      "req_3:2",
      "req_3:1",
    ]);
    expect(await q(`member_id=${a.id}&state=settled`)).toEqual(["req_3:2", "req_2:1", "req_1:1"]);
    const mine = await client(t, bearer(a.key)).get("/usage/requests?provider=remote");
    expect(ids(mine.body)).toEqual(["req_3:2", "req_3:1"]);
    for (const [query, param] of [
      ["fallback=yes", "fallback"],
      ["state=done", "state"],
      ["provider=con_", "provider"],
      [`start_ms=${BASE}&end_ms=${BASE}`, "end_ms"],
    ]) {
      const r = await owner.get(`/usage/requests?${query}`);
      expect([r.status, r.body.error.param], query).toEqual([400, param]);
    }
  });
});

describe("GET /usage/requests.csv", () => {
  const csv = async (auth: { authorization: string }, query: string) => {
    const res = await fetch(`${t.url}/manage/v1/usage/requests.csv?${query}`, { headers: auth });
    return { res, text: await res.text() };
  };
  const header = `${CSV_COLUMNS.join(",")}\r\n`;

  it("answers the filtered log as CSV with these exact headers and cells", async () => {
    const { res, text } = await csv(t.auth, "model=gpt-x");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="benchtop-requests-\d{4}-\d\d-\d\dT\d{6}Z\.csv"$/,
    );
    expect(header).toBe(
      "id,request_id,attempt,member_id,key_id,endpoint,model,served_model,provider,billing_mode," +
        "stream,state,created_ms,created_at,prompt_tokens,completion_tokens,cached_tokens," +
        "cache_write_tokens,cost_micros,reserved_micros,usage_source,estimated,outcome,error_code," +
        "http_status,ttft_ms,latency_ms,route_category,route_classifier,route_tokens,fallback," +
        "session_id\r\n",
    );
    const at = `${BASE + 2000},2026-03-02T10:00:02.000Z`;
    expect(text).toBe(
      header +
        `req_3:2,req_3,2,${a.id},${a.keyId},chat.completions,gpt-x,gpt-x,${CON_B},org,false,settled,${at},7,3,0,,9,500,engine,false,ok,,,50,700,,,,,\r\n` +
        `req_3:1,req_3,1,${a.id},${a.keyId},chat.completions,gpt-x,,${CON_A},org,false,released,${at},,,,,0,500,,false,error,server_error,500,,300,,,,,\r\n`,
    );
  });

  it("defuses formulas and quotes cells with commas and quotes", async () => {
    const { text } = await csv(bearer(b.key), `provider=${CON_A}`);
    const cell = `"'=HYPERLINK(""http://x.test"",""a,b"")"`;
    expect(text).toBe(
      header +
        `req_4:1,req_4,1,${b.id},${b.keyId},chat.completions,${cell},${cell},${CON_A},org,false,settled,${BASE + 3000},2026-03-02T10:00:03.000Z,1,1,0,,3,500,engine,false,ok,,,30,300,,,,,\r\n`,
    );
  });

  it("streams every matching row across read steps, newest first, members their own only", async () => {
    const { text } = await csv(t.auth, "model=bulk");
    const lines = text.split("\r\n");
    expect(lines.at(-1)).toBe("");
    const rows = lines.slice(1, -1).map((l) => l.split(",")[0]);
    const expected = Array.from({ length: BULK }, (_, i) => bulk(i))
      .sort((x, y) => y.at - x.at || (y.id < x.id ? -1 : 1))
      .map((s) => s.id);
    expect(rows).toHaveLength(BULK);
    expect(rows).toEqual(expected);
    // A member's export is their own rows whatever they ask for; another member's id is a 404.
    const mine = await csv(bearer(a.key), "");
    const asOwner = await csv(t.auth, `member_id=${a.id}`);
    expect(mine.text).toBe(asOwner.text);
    expect(
      mine.text
        .split("\r\n")
        .slice(1, -1)
        .map((l) => l.split(",")[0]),
    ).toEqual(["req_3:2", "req_3:1", "req_2:1", "req_1:1"]);
    const theirs = await csv(bearer(a.key), `member_id=${b.id}`);
    expect(theirs.res.status).toBe(404);
    expect(JSON.parse(theirs.text).error.code).toBe("not_found");
    const bad = await csv(t.auth, "limit=5");
    expect([bad.res.status, JSON.parse(bad.text).error.param]).toEqual([400, "limit"]);
  });

  it("is documented as text/csv in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content: object }> } }>;
    };
    const op = doc.paths["/manage/v1/usage/requests.csv"]!.get;
    expect(Object.keys(op.responses["200"]!.content)).toEqual(["text/csv"]);
  });

  it("csvCell: text that starts a formula gets a quote; numbers stay numbers", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
    ]);
    expect([-5, 0, true, false, null, undefined].map(csvCell)).toEqual([
      "-5",
      "0",
      "true",
      "false",
      "",
      "",
    ]);
    expect(['say "hi"', "a,b", "a\nb", "plain"].map(csvCell)).toEqual([
      '"say ""hi"""',
      '"a,b"',
      '"a\nb"',
      "plain",
    ]);
  });
});
