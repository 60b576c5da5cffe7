import type { ModelDto } from "@contract";
import { describe, expect, it } from "vitest";
import { chatModelOptions, defaultChatModel } from "../../../src-renderer/lib/chatModels";

const model = (id: string, owned_by: string): ModelDto => ({
  id,
  object: "model",
  created: 0,
  owned_by,
});

describe("chatModelOptions", () => {
  it("groups local models, then routes (auto first, then aliases), then remote ones", () => {
    const options = chatModelOptions(
      [
        model("gpt-4o", "openai"),
        model("lab-default", "benchtop-route"),
        model("qwen", "benchtop"),
        model("auto", "benchtop-route"),
        model("coder", "benchtop-route"),
        model("tiny", "benchtop"),
      ],
      [
        {
          model: "gpt-4o",
          input_micros_per_mtok: 2_500_000,
          output_micros_per_mtok: 10_000_000,
          billing_mode: "org",
        },
        // A price on a route id says nothing: the answering target's price is billed.
        {
          model: "coder",
          input_micros_per_mtok: 1,
          output_micros_per_mtok: 1,
          billing_mode: "org",
        },
      ],
    );
    expect(options).toEqual([
      { id: "qwen", kind: "local", where: "This computer", price: "Free" },
      { id: "tiny", kind: "local", where: "This computer", price: "Free" },
      { id: "auto", kind: "routed", where: "Auto — routes by category", price: null },
      { id: "coder", kind: "routed", where: "Alias", price: null },
      { id: "lab-default", kind: "routed", where: "Alias", price: null },
      {
        id: "gpt-4o",
        kind: "remote",
        where: "Remote · openai",
        price: "$2.50 in · $10.00 out per 1M tokens",
      },
    ]);
    expect(defaultChatModel(options)).toBe("qwen");
  });

  it("starts on the first local model; without one, on the first listed", () => {
    const routedOnly = chatModelOptions(
      [model("gpt-4o", "openai"), model("auto", "benchtop-route")],
      undefined,
    );
    expect(routedOnly.map((o) => o.id)).toEqual(["auto", "gpt-4o"]);
    expect(defaultChatModel(routedOnly)).toBe("auto");
    expect(defaultChatModel([])).toBeNull();
  });
});
