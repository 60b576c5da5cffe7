import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { chatErrorText } from "../../../src-renderer/lib/chatErrors";
import { createChatStore } from "../../../src-renderer/stores/useChatStore";
import {
  longRunningPrompt,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../../helpers/testServer";

/** The chat store against a real server: streaming, saving, Stop, regenerate, edit, errors. */

let t: TestServer;
let m: TestMember;

beforeAll(async () => {
  t = await startTestServer();
  // $1 per million prompt tokens, $2 per million completion tokens: 1 and 2 µ$ a token.
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 2_000_000,
    billing_mode: "org",
  });
  m = t.addMember({ name: "Chatter", limits: { max_tokens: 24 } });
  t.core.store.routing.putAlias({
    id: "lab-default",
    description: "The lab's everyday model",
    targets: ["tiny"],
    categories: [],
  });
});
afterAll(async () => {
  await t?.close();
});

/**
 * A store for `key`, sampling greedily (temperature 0): the tiny model's random weights then give
 * the same answer every time, so lengths and finish reasons are exact.
 */
function storeFor(key: string, role: "owner" | "member" | "viewer" = "member") {
  const store = createChatStore({
    api: async () => createApiClient(t.url, { apiKey: () => key, timeoutMs: 30_000 }),
    role: () => role,
    costRetry: { tries: 100, delayMs: 50 },
  });
  store.getState().setTemperature(0);
  return store;
}

/** A prompt the tiny model answers for at least 64 tokens under greedy sampling. */
let long: Promise<string> | undefined;
const longPrompt = () => (long ??= longRunningPrompt(t));

interface UsageRow {
  state: string;
  outcome: string;
  cost_micros: number;
  prompt_tokens: number;
  completion_tokens: number;
}
const usageRow = (requestId: string) =>
  t.core.db
    .prepare("SELECT * FROM usage WHERE request_id = ? ORDER BY attempt DESC")
    .get(requestId) as UsageRow | undefined;

describe("the chat store", () => {
  it("lists the models with where they run; prices only for roles that may read them", async () => {
    const member = storeFor(m.key);
    await member.getState().loadModels();
    // `auto` is listed as soon as there is a local model to route to, and aliases with it; the
    // chat still starts on the local model.
    expect(member.getState().models).toEqual([
      { id: "tiny", kind: "local", where: "This computer", price: null },
      { id: "auto", kind: "routed", where: "Auto — routes by category", price: null },
      { id: "lab-default", kind: "routed", where: "Alias", price: null },
    ]);
    expect(member.getState().model).toBe("tiny");
    const owner = storeFor(t.core.ownerToken, "owner");
    await owner.getState().loadModels();
    expect(owner.getState().models[0]!.price).toBe("$1.00 in · $2.00 out per 1M tokens");
  });

  it("says under a routed answer which category and target served it", async () => {
    const s = storeFor(m.key);
    await s.getState().loadModels();
    await s.getState().selectModel("lab-default");
    await s.getState().send("hello");
    const viaAlias = s.getState().messages[1]!;
    expect(viaAlias.route).toEqual({ category: null, target: "tiny" });
    expect(viaAlias.model).toBe("lab-default");

    s.getState().newChat();
    await s.getState().selectModel("auto");
    await s.getState().send("write a shell script that lists files");
    const viaAuto = s.getState().messages[1]!;
    // The category is the classifier's; a dry run of the same prompt classifies it the same way.
    const api = createApiClient(t.url, { apiKey: () => m.key, timeoutMs: 60_000 });
    const dry = await api.manage("POST /routes/test", {
      body: { model: "auto", prompt: "write a shell script that lists files" },
    });
    expect(viaAuto.route).toEqual({ category: dry.category, target: "tiny" });
    const row = t.core.db
      .prepare("SELECT route_category, served_model FROM usage WHERE request_id = ?")
      .get(viaAuto.request_id) as { route_category: string; served_model: string };
    expect(row).toEqual({ route_category: dry.category, served_model: "tiny" });
    // A model named directly has no route.
    s.getState().newChat();
    await s.getState().selectModel("tiny");
    await s.getState().send("hello");
    expect(s.getState().messages[1]!.route).toBeUndefined();
  });

  it("streams an answer, saves both messages with the usage and the ledger's cost", async () => {
    const s = storeFor(m.key);
    await s.getState().loadModels();
    const seen: string[] = [];
    const off = s.subscribe((now) => {
      const last = now.messages.at(-1);
      if (last?.streaming && last.content && seen.at(-1) !== last.content) seen.push(last.content);
    });
    const prompt = await longPrompt();
    await s.getState().send(prompt);
    off();
    const { messages, conversationId, streaming, title } = s.getState();
    expect(streaming).toBe(false);
    expect(title).toBe(prompt);
    expect(messages.map((x) => x.role)).toEqual(["user", "assistant"]);
    const a = messages[1]!;
    const row = usageRow(a.request_id!)!;
    // The member's max_tokens limit (24) ends the answer.
    expect(row).toMatchObject({ state: "settled", outcome: "ok", completion_tokens: 24 });
    expect(a).toMatchObject({
      content: seen.at(-1),
      model: "tiny",
      finish_reason: "length",
      prompt_tokens: row.prompt_tokens,
      completion_tokens: row.completion_tokens,
      cost_micros: row.prompt_tokens + 2 * row.completion_tokens,
      error: null,
    });
    expect(row.cost_micros).toBe(a.cost_micros);
    expect(a.ttft_ms).toEqual(expect.any(Number));
    expect(a.tokens_per_s).toEqual(expect.any(Number));
    // The text arrived in pieces, each one the previous plus more.
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.startsWith(seen[i - 1]!)).toBe(true);

    // Saved: what the server has is what the store shows; the list has it on top.
    const api = createApiClient(t.url, { apiKey: () => m.key });
    const saved = await api.manage("GET /conversations/:id", { params: { id: conversationId! } });
    expect(saved.messages).toEqual(messages);
    await s.getState().loadList(prompt);
    expect(s.getState().list.map((c) => c.id)).toEqual([conversationId]);
  });

  it("Stop ends the stream, keeps the partial text and shows the settled cost", async () => {
    const prompt = await longPrompt();
    const s = storeFor(t.core.ownerToken, "owner");
    await s.getState().loadModels();
    const off = s.subscribe((now) => {
      const last = now.messages.at(-1);
      if (last?.streaming && last.content) now.stop();
    });
    await s.getState().send(prompt);
    off();
    const a = s.getState().messages[1]!;
    expect(a.finish_reason).toBe("aborted");
    expect(a.content.length).toBeGreaterThan(0);
    expect(a.error).toBeNull();
    // The server settles the aborted request; the store reads its cost once it has.
    for (let i = 0; i < 100 && s.getState().messages[1]!.cost_micros === null; i++)
      await new Promise((r) => setTimeout(r, 50));
    const row = usageRow(a.request_id!)!;
    expect(row).toMatchObject({ state: "settled", outcome: "aborted" });
    expect(s.getState().messages[1]!.cost_micros).toBe(row.cost_micros);
    expect(row.cost_micros).toBe(row.prompt_tokens + 2 * row.completion_tokens);
  });

  it("regenerates an answer and edits-and-resends a question, on screen and on the server", async () => {
    const s = storeFor(m.key);
    await s.getState().loadModels();
    await s.getState().send("first");
    await s.getState().send("second");
    const before = s.getState().messages;
    expect(before.map((x) => x.content.slice(0, 6))).toEqual([
      "first",
      before[1]!.content.slice(0, 6),
      "second",
      before[3]!.content.slice(0, 6),
    ]);
    await s.getState().regenerate(before[3]!.id);
    const regenerated = s.getState().messages;
    expect(regenerated).toHaveLength(4);
    expect(regenerated.slice(0, 3)).toEqual(before.slice(0, 3));
    expect(regenerated[3]!.id).not.toBe(before[3]!.id);
    expect(regenerated[3]!.request_id).not.toBe(before[3]!.request_id);
    // Greedy sampling: asked again, the model answers the same.
    expect(regenerated[3]!.content).toBe(before[3]!.content);

    await s.getState().editAndResend(before[0]!.id, "first, edited");
    const edited = s.getState().messages;
    expect(edited.map((x) => x.role)).toEqual(["user", "assistant"]);
    expect(edited[0]!.content).toBe("first, edited");
    const api = createApiClient(t.url, { apiKey: () => m.key });
    const saved = await api.manage("GET /conversations/:id", {
      params: { id: s.getState().conversationId! },
    });
    expect(saved.messages.map((x) => x.id)).toEqual(edited.map((x) => x.id));
    expect(saved.messages.map((x) => x.position)).toEqual([0, 1]);
  });

  it("keeps failed answers as plain errors: unknown model, model not allowed, spend cap", async () => {
    const capped = t.addMember({ limits: { daily_cap_micros: 1 } });
    const fenced = t.addMember({ limits: { allowed_models: ["something-else"] } });
    const cases: [string, string, string, string][] = [
      [m.key, "no-such-model", "model_not_found", "Model unavailable"],
      [fenced.key, "tiny", "model_not_allowed", "You may not use this model"],
      [capped.key, "tiny", "insufficient_quota", "Spend limit reached"],
    ];
    for (const [key, model, code, title] of cases) {
      const s = storeFor(key);
      await s.getState().selectModel(model);
      await s.getState().send("hi");
      const a = s.getState().messages[1]!;
      expect(a, code).toMatchObject({ content: "", finish_reason: "error", cost_micros: null });
      expect(a.error?.code, code).toBe(code);
      expect(chatErrorText({ status: 0, code, message: a.error!.message }).title).toBe(title);
      // Refused before it ran: nothing charged (the reservation, if one was made, released).
      expect(a.request_id, code).toMatch(/^req_/);
      const charged = t.core.db
        .prepare("SELECT count(*) AS n FROM usage WHERE request_id = ? AND state != 'released'")
        .get(a.request_id) as { n: number };
      expect(charged.n, code).toBe(0);
    }
  });

  it("keeps a viewer's chat on screen only (the API lets viewers change nothing)", async () => {
    const viewer = t.addMember({ role: "viewer", limits: { max_tokens: 24 } });
    const s = storeFor(viewer.key, "viewer");
    await s.getState().loadModels();
    await s.getState().send("just looking");
    expect(s.getState().messages.map((x) => x.role)).toEqual(["user", "assistant"]);
    expect(s.getState().conversationId).toBeNull();
    expect(s.getState().error).toBeUndefined();
    const n = t.core.db
      .prepare("SELECT count(*) AS n FROM conversations WHERE member_id = ?")
      .get(viewer.id) as { n: number };
    expect(n.n).toBe(0);
  });
});
