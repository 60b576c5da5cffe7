import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src-main/server/manage/usageCsv.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { client } from "./manageClient.js";

/**
 * Usage by route over real routed requests: an alias that passes over a missing target, an
 * alias without categories, `auto` classified by the grammar classifier, and a model named
 * directly. The request log carries each route, filters and exports by category, and the usage
 * chart groups by it.
 */
let t: TestServer;
let owner: ReturnType<typeof client>;
let a: TestMember;
let b: TestMember;
let startMs: number;
/** The request id of each request, by name. */
const ids: Record<"coder" | "auto" | "plain" | "direct", string> = {
  coder: "",
  auto: "",
  plain: "",
  direct: "",
};
/** What the classifier made of the `auto` prompt, from the answer's header and a dry run. */
let autoCategory: string;
let autoTokens: number;
const AUTO_PROMPT = "Write a bash one-liner that counts lines in every .ts file";

async function chat(m: TestMember, model: string, content: string) {
  const { data, response } = await m.openai.chat.completions
    .create({ model, messages: [{ role: "user", content }], max_tokens: 3, temperature: 0 })
    .withResponse();
  return {
    id: response.headers.get("x-request-id")!,
    route: response.headers.get("x-benchtop-route"),
    data,
  };
}

beforeAll(async () => {
  const tiny = generatedModel();
  // The grammar classifier's prompt lists every category's description: with the tiny model's
  // byte-level vocabulary that is ~500 tokens, more than the test server's default context.
  t = await startTestServer({ models: { tiny, tiny2: tiny }, engine: { contextSize: 2048 } });
  owner = client(t, t.auth);
  a = t.addMember({ name: "A" });
  b = t.addMember({ name: "B" });
  // `nope` does not exist: the route passes it over and records why.
  t.core.store.routing.putAlias({
    id: "coder",
    description: "",
    targets: ["nope", "tiny"],
    categories: ["code"],
  });
  t.core.store.routing.putAlias({
    id: "plain",
    description: "",
    targets: ["tiny2"],
    categories: [],
  });
  startMs = Date.now();
  const coder = await chat(a, "coder", "hello");
  expect(coder.route).toBe("code -> tiny");
  ids.coder = coder.id;
  const auto = await chat(a, "auto", AUTO_PROMPT);
  ids.auto = auto.id;
  const plain = await chat(b, "plain", "hi");
  expect(plain.route).toBe("- -> tiny2");
  ids.plain = plain.id;
  const direct = await chat(b, "tiny", "hi");
  expect(direct.route).toBeNull();
  ids.direct = direct.id;
  // The same prompt classified again without answering: the same category, the same tokens.
  const dry = await owner.post("/routes/test", { model: "auto", prompt: AUTO_PROMPT });
  expect(dry.status).toBe(200);
  autoCategory = dry.body.category;
  autoTokens = dry.body.classifier_tokens;
  expect(auto.route).toBe(`${autoCategory} -> tiny`);
  expect(dry.body).toMatchObject({ classifier: "grammar", reason: "classified" });
  expect(autoTokens).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.close();
});

type Entry = Record<string, unknown> & { request_id: string };
const log = async (query: string): Promise<Entry[]> => {
  const res = await owner.get(`/usage/requests?limit=100&start_ms=${startMs}&${query}`);
  expect(res.status, query).toBe(200);
  return res.body.data;
};
const requestIds = (rows: Entry[]) => rows.map((r) => r.request_id);

describe("the request log by route", () => {
  it("carries each request's route: category, classifier, classifier tokens, fallback path", async () => {
    const rows = await log("");
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    const route = (id: string) => {
      const r = byId.get(id)!;
      const {
        model,
        served_model,
        attempt,
        route_category,
        route_classifier,
        route_tokens,
        fallback,
      } = r;
      return {
        model,
        served_model,
        attempt,
        route_category,
        route_classifier,
        route_tokens,
        fallback,
      };
    };
    expect(rows).toHaveLength(4);
    expect(route(ids.coder)).toEqual({
      model: "coder",
      served_model: "tiny",
      attempt: 1,
      route_category: "code",
      route_classifier: null,
      route_tokens: 0,
      fallback: ["nope: model_not_found"],
    });
    expect(route(ids.auto)).toEqual({
      model: "auto",
      served_model: "tiny",
      attempt: 1,
      route_category: autoCategory,
      route_classifier: "grammar",
      route_tokens: autoTokens,
      fallback: null,
    });
    expect(route(ids.plain)).toEqual({
      model: "plain",
      served_model: "tiny2",
      attempt: 1,
      route_category: null,
      route_classifier: null,
      route_tokens: 0,
      fallback: null,
    });
    expect(route(ids.direct)).toEqual({
      model: "tiny",
      served_model: "tiny",
      attempt: 1,
      route_category: null,
      route_classifier: null,
      route_tokens: null,
      fallback: null,
    });
  });

  it("filters by category ('-': requests without one) and counts a passed-over target as a fallback", async () => {
    const withCategory = (c: string | null) =>
      (["direct", "plain", "auto", "coder"] as const)
        .filter((k) => ({ coder: "code", auto: autoCategory, plain: null, direct: null })[k] === c)
        .map((k) => ids[k]);
    expect(requestIds(await log("category=code")).sort()).toEqual(withCategory("code").sort());
    expect(requestIds(await log("category=-"))).toEqual([ids.direct, ids.plain]);
    expect(requestIds(await log(`category=${autoCategory}`)).sort()).toEqual(
      withCategory(autoCategory).sort(),
    );
    expect(requestIds(await log("category=lab-docs"))).toEqual([]);
    expect(requestIds(await log("fallback=true"))).toEqual([ids.coder]);
    expect(requestIds(await log("fallback=false&category=-"))).toEqual([ids.direct, ids.plain]);
    for (const bad of ["Code", "-x", "a b", "x".repeat(33)]) {
      const r = await owner.get(`/usage/requests?category=${encodeURIComponent(bad)}`);
      expect([r.status, r.body.error.param], bad).toEqual([400, "category"]);
    }
  });

  it("exports the route columns in the CSV, the fallback path in one cell", async () => {
    const res = await fetch(
      `${t.url}/manage/v1/usage/requests.csv?start_ms=${startMs}&fallback=true`,
      { headers: t.auth },
    );
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(CSV_COLUMNS.slice(-5)).toEqual([
      "route_category",
      "route_classifier",
      "route_tokens",
      "fallback",
      "session_id",
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[1]!.split(",").slice(0, 7)).toEqual([
      `${ids.coder}:1`,
      ids.coder,
      "1",
      a.id,
      a.keyId,
      "chat.completions",
      "coder",
    ]);
    // The route's columns, then the session id (none sent here).
    expect(lines[1]!.endsWith(",code,,0,nope: model_not_found,")).toBe(true);
    const direct = await fetch(
      `${t.url}/manage/v1/usage/requests.csv?start_ms=${startMs}&model=tiny&category=-`,
      { headers: t.auth },
    );
    const directLines = (await direct.text()).split("\r\n");
    expect(directLines).toHaveLength(3);
    expect(directLines[1]!.startsWith(`${ids.direct}:1,`)).toBe(true);
    expect(directLines[1]!.endsWith(",,,,,")).toBe(true);
  });
});

describe("GET /usage by route category", () => {
  it("groups by category (null: without one) and filters by it, totals included", async () => {
    const rows = await log("");
    const sums = new Map<
      string | null,
      { requests: number; prompt: number; completion: number; cost: number }
    >();
    for (const r of rows) {
      const k = r.route_category as string | null;
      const s = sums.get(k) ?? { requests: 0, prompt: 0, completion: 0, cost: 0 };
      s.requests += 1;
      s.prompt += r.prompt_tokens as number;
      s.completion += r.completion_tokens as number;
      s.cost += r.cost_micros as number;
      sums.set(k, s);
    }
    const res = await owner.get(`/usage?start_ms=${startMs}&bucket=hour&group_by=category`);
    expect(res.status).toBe(200);
    const results = res.body.data.flatMap((b: { results: object[] }) => b.results);
    // One hour bucket unless the requests straddled an hour's end: sum per category either way.
    const got = new Map<
      string | null,
      { requests: number; prompt: number; completion: number; cost: number }
    >();
    for (const r of results as {
      category: string | null;
      requests: number;
      prompt_tokens: number;
      completion_tokens: number;
      cost_micros: number;
    }[]) {
      const s = got.get(r.category) ?? { requests: 0, prompt: 0, completion: 0, cost: 0 };
      s.requests += r.requests;
      s.prompt += r.prompt_tokens;
      s.completion += r.completion_tokens;
      s.cost += r.cost_micros;
      got.set(r.category, s);
    }
    expect(got).toEqual(sums);
    expect(sums.get(null)!.requests).toBe(2);

    const code = await owner.get(
      `/usage?start_ms=${startMs}&category=code&group_by=model,category`,
    );
    expect(code.body.totals.requests).toBe(sums.get("code")!.requests);
    expect(
      code.body.data.flatMap((b: { results: { model: string; category: string }[] }) =>
        b.results.map((r) => [r.model, r.category]),
      ),
    ).toEqual(
      autoCategory === "code"
        ? [
            ["auto", "code"],
            ["coder", "code"],
          ]
        : [["coder", "code"]],
    );
    const none = await owner.get(`/usage/latency?start_ms=${startMs}&category=-`);
    expect(none.body.data.map((m: { model: string }) => m.model)).toEqual(["plain", "tiny"]);
    const all4 = await owner.get(
      `/usage?start_ms=${startMs}&group_by=member_id,model,provider,category`,
    );
    expect(all4.status).toBe(200);
    const bad = await owner.get(`/usage?start_ms=${startMs}&group_by=route`);
    expect([bad.status, bad.body.error.param]).toEqual([400, "group_by"]);
  });
});
