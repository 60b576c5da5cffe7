import { describe, expect, it } from "vitest";
import { accessText, describeLimit } from "../../../src-renderer/features/members/limitText";

describe("accessText", () => {
  it("reads the allow-list and the allowed categories together, as admission does", () => {
    expect(accessText(null, null)).toEqual({
      allowed_models: "Every model",
      allowed_categories: "Every category",
    });
    expect(accessText(["tiny"], null)).toEqual({
      allowed_models: "tiny",
      allowed_categories: "None (only the models listed)",
    });
    expect(accessText(null, ["code", "simple"])).toEqual({
      allowed_models: "None by id (only by category)",
      allowed_categories: "code, simple",
    });
    expect(accessText([], [])).toEqual({
      allowed_models: "No model",
      allowed_categories: "No category",
    });
  });

  it("describes one list alone", () => {
    expect(describeLimit("allowed_categories", null)).toBe("Every category");
    expect(describeLimit("allowed_categories", ["code"])).toBe("code");
    expect(describeLimit("allowed_models", [])).toBe("No model");
  });
});
