import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows, type UsageRow } from "../ledger/ledgerQueries.js";
import { bearer, call } from "../manage/manageClient.js";

/**
 * `auto` on the real engine: the generated tiny model classifies (grammar-constrained, or by
 * embedding nearest neighbour) and routes to its category's target; access by category, the
 * forced-model header, and `POST /manage/v1/routes/test`.
 */
let t: TestServer;
let member: TestMember;

type RoutedRow = UsageRow & {
  route_category: string | null;
  route_classifier: string | null;
  route_tokens: number | null;
};
const rowOf = (requestId: string) => usageRows(t.core, "request_id = ?", requestId)[0] as RoutedRow;

/** Prompts of every kind a lab sends, for "always a listed category". */
const PROMPTS = [
  "hi",
  "Write a Python function that reverses a linked list.",
  "What is 17 * 23? Show your steps.",
  "Summarize the plot of Hamlet in two sentences.",
  "fix this: const x = [1,2,3].mapp(x => x*2)",
  "ok",
  "Explain why the sky is blue.",
  "Plan a three-day trip to Lisbon on a budget.",
  "   ",
  "Ünïcödé prompt — 日本語のテキスト",
];

const routeTest = (body: Record<string, unknown>, key = t.core.ownerToken) =>
  fetch(`${t.url}/manage/v1/routes/test`, {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  t = await startTestServer({
    engine: { threads: 1 },
    models: { tiny: generatedModel(), "tiny-coder": generatedModel() },
  });
  const { routing } = t.core.store;
  routing.putCategory({
    name: "code",
    description: "Programming.",
    examples: [],
    target: "tiny-coder",
  });
  member = t.addMember();
});
afterAll(async () => {
  await t?.close();
});

describe("auto with the grammar classifier", () => {
  it("always answers with a listed category, whatever the prompt", async () => {
    const names = t.core.store.routing
      .categories()
      .map((c) => c.name)
      .filter((n) => n !== "embedding");
    for (const prompt of PROMPTS) {
      const r = await routeTest({ prompt });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { category: string; reason: string; targets: string[] };
      expect(body.reason).toBe("classified");
      expect(names).toContain(body.category);
      expect(body.targets).toEqual([body.category === "code" ? "tiny-coder" : "tiny"]);
    }
  });

  it("routes a chat, says where in x-benchtop-route, and records the route on the usage row", async () => {
    const { data, response } = await member.openai.chat.completions
      .create({
        model: "auto",
        messages: [{ role: "user", content: "Write a Python function that adds two numbers." }],
        max_tokens: 4,
        temperature: 0,
      })
      .withResponse();
    expect(data.model).toBe("auto");
    const route = response.headers.get("x-benchtop-route")!;
    const [category, target] = route.split(" -> ");
    expect(target).toBe(category === "code" ? "tiny-coder" : "tiny");
    const row = rowOf(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({
      state: "settled",
      requested_model: "auto",
      served_model: target,
      route_category: category,
      route_classifier: "grammar",
    });
    // The classifier read a prompt and wrote at least the label's quotes.
    expect(row.route_tokens).toBeGreaterThan(2);
  });

  it("is the same decision every time for the same prompt (greedy)", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const body = (await (await routeTest({ prompt: "Explain recursion." })).json()) as {
        category: string;
      };
      seen.add(body.category);
    }
    expect(seen.size).toBe(1);
  });
});

describe("auto with the embedding (kNN) classifier", () => {
  const examples: Record<string, string[]> = {
    code: ["Write a function in TypeScript", "Why does my Rust code not compile?"],
    simple: ["hello there", "thanks!"],
    reasoning: ["Prove that the square root of two is irrational"],
    general: ["Tell me about the history of Rome"],
  };

  it("routes each example prompt to its own category, and unclear ones to the default", async () => {
    const { routing } = t.core.store;
    for (const [name, ex] of Object.entries(examples)) {
      const c = routing.category(name)!;
      routing.putCategory({ ...c, examples: ex });
    }
    for (const [name, ex] of Object.entries(examples))
      for (const prompt of ex) {
        const body = (await (await routeTest({ prompt, classifier: "knn" })).json()) as {
          category: string;
          reason: string;
          classifier: string;
          score: number;
        };
        expect(body).toMatchObject({ category: name, reason: "classified", classifier: "knn" });
        expect(body.score).toBeCloseTo(1, 3);
      }
    // Nothing is that close to an exact 1.0: with the threshold at its maximum, every other
    // prompt is unclear and goes to the default category.
    const before = routing.settingsNow();
    routing.setSettings({ ...before, knn_min_similarity: 0.9999 });
    try {
      const body = (await (
        await routeTest({ prompt: "Completely different words here", classifier: "knn" })
      ).json()) as { category: string; reason: string };
      expect(body).toMatchObject({ category: "general", reason: "unclear" });
    } finally {
      routing.setSettings(before);
    }
  });
});

describe("forcing and access", () => {
  it("x-benchtop-model forces the target: no classifier runs", async () => {
    const { response } = await member.openai.chat.completions
      .create(
        { model: "auto", messages: [{ role: "user", content: "hi" }], max_tokens: 2 },
        { headers: { "x-benchtop-model": "tiny-coder" } },
      )
      .withResponse();
    const row = rowOf(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({
      requested_model: "tiny-coder",
      served_model: "tiny-coder",
      route_classifier: null,
      route_tokens: 0,
    });
  });

  it("gives access by category: a 403 names the categories, /v1/models lists only what passes", async () => {
    t.core.store.routing.setModelCategories("tiny-coder", ["code"]);
    t.core.store.routing.putAlias({
      id: "coder",
      description: "",
      targets: ["tiny-coder"],
      categories: ["code"],
    });
    const coderOnly = t.addMember({ limits: { allowed_categories: ["code"] } });
    const ids = (await coderOnly.openai.models.list()).data.map((m) => m.id).sort();
    expect(ids).toEqual(["auto", "coder", "tiny-coder"]);

    const err = (await coderOnly.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 })
      .catch((e: unknown) => e)) as { status: number; code: string; message: string };
    expect(err.status).toBe(403);
    expect(err.code).toBe("model_not_allowed");
    expect(err.message).toContain("no category");
    expect(err.message).toContain("your allowed categories: code");

    // auto offers this member only the categories whose target they may use: just `code`.
    const { response } = await coderOnly.openai.chat.completions
      .create({ model: "auto", messages: [{ role: "user", content: "hi" }], max_tokens: 2 })
      .withResponse();
    expect(response.headers.get("x-benchtop-route")).toBe("code -> tiny-coder");
    const row = rowOf(response.headers.get("x-request-id")!);
    // One category leaves nothing to classify: no classifier ran.
    expect(row).toMatchObject({ route_category: "code", route_classifier: null });
  });

  it("refuses auto with 403 when no category's target is allowed", async () => {
    const none = t.addMember({ limits: { allowed_categories: ["reasoning"] } });
    const err = (await none.openai.chat.completions
      .create({ model: "auto", messages: [{ role: "user", content: "hi" }], max_tokens: 2 })
      .catch((e: unknown) => e)) as { status: number; code: string };
    expect(err).toMatchObject({ status: 403, code: "model_not_allowed" });
  });

  it("route tests are the caller's own unless staff ask for a member", async () => {
    const other = t.addMember();
    const r = await routeTest({ prompt: "hi", member_id: other.id }, member.key);
    expect(r.status).toBe(403);
    const mine = await routeTest({ prompt: "hi", model: "coder" }, member.key);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({
      requested: "coder",
      reason: "alias",
      targets: ["tiny-coder"],
      classifier_tokens: 0,
    });
    const noPrompt = await call(t, t.auth, "POST", "/routes/test", {});
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.body.error.param).toBe("prompt");
  });
});
