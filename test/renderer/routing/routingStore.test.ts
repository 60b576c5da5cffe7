import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createRoutingStore } from "../../../src-renderer/stores/useRoutingStore";
import { startTestServer, type TestServer } from "../../helpers/testServer";

/** The Routing page's store against a real server: every write, a dry run, and who may do what. */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const storeFor = (key: string) =>
  createRoutingStore({
    api: async () => createApiClient(t.url, { apiKey: () => key, timeoutMs: 60_000 }),
  });

const BUILTINS = ["simple", "general", "reasoning", "code", "embedding"];
const DOCS_PROMPT = "Where is the onboarding guide for new lab members?";

describe("the routing store", () => {
  it("reads routing with the ids a route may target; every write reads it again", async () => {
    const store = storeFor(t.core.ownerToken);
    const s = () => store.getState();
    await s().refresh();
    expect(s()).toMatchObject({ loaded: true, localModels: ["tiny"], pools: [], error: undefined });
    expect(s().routing!.settings).toEqual({
      classifier: "grammar",
      router_model: null,
      default_category: "general",
      default_target: null,
      knn_min_similarity: 0.5,
      context_chars: 2000,
    });
    expect(s().routing!.categories.map((c) => c.name)).toEqual(BUILTINS);

    await s().saveCategory("lab-docs", {
      description: "The lab's own documents and procedures.",
      examples: [DOCS_PROMPT],
      target: null,
    });
    expect(s().routing!.categories.at(-1)).toEqual({
      name: "lab-docs",
      description: "The lab's own documents and procedures.",
      examples: [DOCS_PROMPT],
      target: null,
      builtin: false,
    });
    await s().saveAlias("coder", { description: "Code", targets: ["tiny"], categories: ["code"] });
    expect(s().routing!.aliases).toMatchObject([
      { id: "coder", description: "Code", targets: ["tiny"], categories: ["code"] },
    ]);
    await s().setModelCategories("tiny", ["simple", "general"]);
    expect(s().routing!.model_categories).toEqual([
      { model: "tiny", categories: ["simple", "general"] },
    ]);
    await s().saveSettings({ classifier: "knn", default_target: "coder" });
    expect(s().routing!.settings).toMatchObject({ classifier: "knn", default_target: "coder" });

    // Dry runs: an alias is its chain; auto with kNN finds the category of an identical example
    // and sends it, without a target of its own, to the default target (the alias, expanded).
    expect(await s().test({ model: "coder", prompt: "hi" })).toEqual({
      requested: "coder",
      category: "code",
      classifier: null,
      reason: "alias",
      score: null,
      targets: ["tiny"],
      classifier_tokens: 0,
    });
    const auto = await s().test({ model: "auto", prompt: DOCS_PROMPT });
    expect(auto).toMatchObject({
      requested: "auto",
      category: "lab-docs",
      classifier: "knn",
      reason: "classified",
      targets: ["tiny"],
    });
    expect(auto.score).toBeCloseTo(1, 5);
    expect(auto.classifier_tokens).toBeGreaterThan(0);

    await s().deleteCategory("lab-docs");
    expect(s().routing!.categories.map((c) => c.name)).toEqual(BUILTINS);
    await s().saveSettings({ default_target: null });
    await s().deleteAlias("coder");
    expect(s().routing!.aliases).toEqual([]);
  });

  it("shows the server's refusal: a viewer reads but changes nothing, a member reads nothing", async () => {
    const viewer = storeFor(t.addMember({ role: "viewer" }).key);
    await viewer.getState().refresh();
    expect(viewer.getState().loaded).toBe(true);
    const err = await viewer
      .getState()
      .saveAlias("mine", { targets: ["tiny"] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).status).toBe(403);
    // A dry run changes nothing: viewers may make one.
    expect((await viewer.getState().test({ model: "auto", prompt: "hi" })).requested).toBe("auto");

    const member = storeFor(t.addMember().key);
    await member.getState().refresh();
    expect(member.getState().loaded).toBe(false);
    expect(member.getState().error).toMatch(/^\/manage\/v1\/(routing|models|pools): 403 /);
  });
});
