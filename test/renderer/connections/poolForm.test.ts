import { describe, expect, it } from "vitest";
import {
  emptyPoolForm,
  poolIdProblem,
  validatePoolForm,
  weightShares,
  wholeNumber,
  type PoolFormValues,
} from "../../../src-renderer/features/connections/poolForm";

const twoTargets = (w1: number | string, w2: number | string): PoolFormValues => ({
  id: "lab-chat",
  strategy: "weighted",
  maxAttempts: 3,
  targets: [
    { connectionId: "con_a", upstreamModel: "fast-a", priority: 0, weight: w1 },
    { connectionId: "con_a", upstreamModel: "fast-b", priority: 1, weight: w2 },
  ],
});

describe("pool id", () => {
  it("is a model id: visible ASCII, no empty segments, at most 200", () => {
    expect(poolIdProblem("org/gpt-4o")).toBeUndefined();
    expect(poolIdProblem("")).toBe("Enter the model id clients will call, e.g. gpt-4o-mini.");
    expect(poolIdProblem("has space")).toBe("Visible ASCII only, no spaces.");
    expect(poolIdProblem("/lead")).toBe("No empty '/' segments (no leading, trailing or '//').");
    expect(poolIdProblem("a//b")).toBe("No empty '/' segments (no leading, trailing or '//').");
    expect(poolIdProblem("x".repeat(201))).toBe("At most 200 characters.");
  });
});

describe("weights and priorities", () => {
  it("are whole numbers within the server's bounds", () => {
    expect(wholeNumber("", 1, 1000)).toEqual({ problem: "Enter a number." });
    expect(wholeNumber(1.5, 1, 1000)).toEqual({ problem: "Whole numbers only." });
    expect(wholeNumber(0, 1, 1000)).toEqual({ problem: "From 1 to 1000." });
    expect(wholeNumber(1001, 1, 1000)).toEqual({ problem: "From 1 to 1000." });
    expect(wholeNumber("7", 1, 1000)).toEqual({ value: 7 });

    const { errors, body } = validatePoolForm(twoTargets(0, ""));
    expect(body).toBeUndefined();
    expect(errors.rows.map((r) => r.weight)).toEqual(["From 1 to 1000.", "Enter a number."]);
  });

  it("split traffic by weight × active keys", () => {
    expect(weightShares(twoTargets(3, 1).targets)).toEqual([75, 25]);
    expect(weightShares(twoTargets(1, 2).targets)).toEqual([33.3, 66.7]);
    expect(weightShares(twoTargets(0, 2).targets)).toEqual([0, 100]);
    const rows = [
      { connectionId: "two_keys", upstreamModel: "m", priority: 0, weight: 1 },
      { connectionId: "one_key", upstreamModel: "m", priority: 0, weight: 1 },
    ];
    expect(weightShares(rows, (id) => (id === "two_keys" ? 2 : 1))).toEqual([66.7, 33.3]);
  });
});

describe("the pool form", () => {
  it("gives the PUT body when valid", () => {
    expect(validatePoolForm(twoTargets("3", 1)).body).toEqual({
      strategy: "weighted",
      max_attempts: 3,
      targets: [
        { connection_id: "con_a", upstream_model: "fast-a", priority: 0, weight: 3 },
        { connection_id: "con_a", upstream_model: "fast-b", priority: 1, weight: 1 },
      ],
    });
  });

  it("refuses no targets, missing fields, duplicates and bad attempts", () => {
    expect(validatePoolForm({ ...twoTargets(1, 1), targets: [] }).errors.targets).toBe(
      "Add at least one target.",
    );
    const empty = validatePoolForm(emptyPoolForm());
    expect(empty.errors.id).toBe("Enter the model id clients will call, e.g. gpt-4o-mini.");
    expect(empty.errors.rows[0]).toEqual({
      connectionId: "Pick a connection.",
      upstreamModel: "Enter the upstream model id.",
      priority: undefined,
      weight: undefined,
    });
    const dup = twoTargets(1, 1);
    dup.targets[1]!.upstreamModel = " fast-a ";
    expect(validatePoolForm(dup).errors.rows[1]!.upstreamModel).toBe(
      "This connection and model are already a target.",
    );
    expect(validatePoolForm({ ...twoTargets(1, 1), maxAttempts: 11 }).errors.maxAttempts).toBe(
      "From 1 to 10.",
    );
    // An existing pool's id is fixed: not checked again.
    expect(validatePoolForm({ ...twoTargets(1, 1), id: "" }, false).body).toBeDefined();
  });
});
