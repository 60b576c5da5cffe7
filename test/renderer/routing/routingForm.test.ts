import { describe, expect, it } from "vitest";
import {
  aliasFormToBody,
  aliasIdError,
  categoryFormToBody,
  moveItem,
  routeTestRows,
  settingsPatch,
  targetOptions,
} from "../../../src-renderer/features/routing/routingForm";

describe("alias form", () => {
  it("builds the PUT body: trimmed id and description, targets in order, categories once", () => {
    expect(
      aliasFormToBody({
        id: " lab-default ",
        description: " Everyday ",
        targets: ["tiny", "lab/gpt-4o"],
        categories: ["general", "general", "simple"],
      }),
    ).toEqual({
      ok: true,
      id: "lab-default",
      body: {
        description: "Everyday",
        targets: ["tiny", "lab/gpt-4o"],
        categories: ["general", "simple"],
      },
    });
  });

  it("refuses what the server would: reserved or malformed ids, no targets, itself, twice", () => {
    const form = { id: "coder", description: "", targets: ["tiny"], categories: [] };
    expect(aliasFormToBody({ ...form, id: "auto" })).toEqual({
      ok: false,
      errors: { id: "'auto' is reserved for routing by category." },
    });
    expect(aliasFormToBody({ ...form, targets: [] })).toEqual({
      ok: false,
      errors: { targets: "Add at least one target." },
    });
    expect(aliasFormToBody({ ...form, targets: ["tiny", "coder"] })).toEqual({
      ok: false,
      errors: { targets: "An alias cannot name itself." },
    });
    expect(aliasFormToBody({ ...form, targets: ["tiny", "qwen", "tiny"] })).toEqual({
      ok: false,
      errors: { targets: "'tiny' is listed twice: it would only be tried once." },
    });
    expect(
      aliasFormToBody({ ...form, targets: Array.from({ length: 9 }, (_, i) => `m${i}`) }),
    ).toEqual({ ok: false, errors: { targets: "At most 8 targets." } });
    expect(aliasFormToBody({ ...form, description: "x".repeat(301) })).toEqual({
      ok: false,
      errors: { description: "At most 300 characters." },
    });
    expect(aliasIdError("")).toBe("Enter the model id clients will call.");
    expect(aliasIdError("my model")).toBe("Visible ASCII characters only, no spaces.");
    expect(aliasIdError("lab//x")).toBe("No empty parts between '/'.");
    expect(aliasIdError("x".repeat(201))).toBe("At most 200 characters.");
    expect(aliasIdError("lab/coder-v2")).toBeUndefined();
  });
});

describe("category form", () => {
  it("builds the PUT body, dropping empty example rows", () => {
    expect(
      categoryFormToBody({
        name: "lab-docs",
        description: " The lab's own documents. ",
        examples: [" Where is the onboarding guide? ", "", "  "],
        target: "lab-default",
      }),
    ).toEqual({
      ok: true,
      name: "lab-docs",
      body: {
        description: "The lab's own documents.",
        examples: ["Where is the onboarding guide?"],
        target: "lab-default",
      },
    });
  });

  it("names what is wrong", () => {
    const form = { name: "docs", description: "", examples: [], target: null };
    const nameError =
      "1 to 32 lower-case letters, digits, '-' or '_', starting with a letter (e.g. lab-docs).";
    for (const name of ["Docs", "1docs", "", "a".repeat(33), "lab docs"])
      expect(categoryFormToBody({ ...form, name }), name).toEqual({
        ok: false,
        errors: { name: nameError },
      });
    expect(categoryFormToBody({ ...form, examples: ["ok", "x".repeat(2001)] })).toEqual({
      ok: false,
      errors: { examples: "Example 2 is longer than 2,000 characters." },
    });
    expect(
      categoryFormToBody({ ...form, examples: Array.from({ length: 51 }, (_, i) => `e${i}`) }),
    ).toEqual({ ok: false, errors: { examples: "At most 50 examples." } });
  });
});

describe("helpers", () => {
  it("moves a target up and down, clamped at the ends", () => {
    expect(moveItem(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moveItem(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moveItem(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moveItem(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });

  it("groups targets, leaving out empty groups and the alias being edited", () => {
    expect(
      targetOptions({ localModels: ["tiny"], pools: [], aliases: ["coder", "lab"] }, "lab"),
    ).toEqual([
      { group: "Local models", items: ["tiny"] },
      { group: "Aliases", items: ["coder"] },
    ]);
  });

  it("patches only the settings that changed", () => {
    const before = {
      classifier: "grammar" as const,
      router_model: null,
      default_category: "general",
      default_target: null,
      knn_min_similarity: 0.5,
      context_chars: 2000,
    };
    expect(settingsPatch(before, { ...before })).toEqual({});
    expect(
      settingsPatch(before, {
        ...before,
        classifier: "knn",
        router_model: "tiny",
        context_chars: 500,
      }),
    ).toEqual({ classifier: "knn", router_model: "tiny", context_chars: 500 });
  });

  it("reads a route test as rows", () => {
    expect(
      routeTestRows({
        requested: "auto",
        category: "code",
        classifier: "knn",
        reason: "classified",
        score: 0.8123,
        targets: ["coder", "tiny"],
        classifier_tokens: 1234,
      }),
    ).toEqual([
      ["Requested", "auto"],
      ["Category", "code"],
      ["Reason", "Classified into this category"],
      ["Classifier", "knn"],
      ["Score", "0.812"],
      ["Targets, in order", "coder → tiny"],
      ["Classifier tokens", "1,234"],
    ]);
  });
});
