import { describe, expect, it } from "vitest";
import { SCHEMA_LIMITS, schemaLimitProblem } from "../../src-main/engine/schemaLimits.js";

const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
const check = (schema: unknown, tools = 0) =>
  schemaLimitProblem([{ param: "response_format", schema }], tools);

describe("schemaLimitProblem: what a grammar may cost, checked before any grammar work", () => {
  it("passes ordinary schemas, and enums up to the limit", () => {
    expect(
      check({
        type: "object",
        properties: {
          path: { type: "string" },
          mode: { enum: ["r", "w"] },
          kind: { anyOf: [{ type: "string" }, { type: "null" }] },
        },
        required: ["path"],
      }),
    ).toBeNull();
    expect(check({ enum: values(SCHEMA_LIMITS.alternatives) })).toBeNull();
  });

  it("refuses an enum above the limit, naming the limit and the schema", () => {
    expect(check({ type: "object", properties: { v: { enum: values(50_000) } } })).toEqual({
      param: "response_format",
      message: expect.stringContaining("at most 1000 per request") as string,
    });
  });

  it("counts enum values, consts, branches and tools over all the schemas of a request", () => {
    const half = { type: "object", properties: { v: { enum: values(600) } } };
    expect(schemaLimitProblem([{ param: "tools[0]", schema: half }], 1)).toBeNull();
    expect(
      schemaLimitProblem(
        [
          { param: "tools[0]", schema: half },
          { param: "tools[1]", schema: half },
        ],
        2,
      )?.param,
    ).toBe("tools[1]");
    // 999 branches are fine alone; two tools offered push them over.
    const branches = { oneOf: values(999).map((v) => ({ const: v })) };
    expect(check(branches)).not.toBeNull(); // 999 branches + 999 consts
    expect(check({ oneOf: values(500).map(() => ({ type: "string" })) }, 500)).toBeNull();
    expect(check({ oneOf: values(500).map(() => ({ type: "string" })) }, 501)).not.toBeNull();
  });

  it("counts every use of a $ref, so chained definitions cannot multiply alternatives unseen", () => {
    // d3 → 10 × d2 → 10 × d1 → 10 × d0 (10 values): 10,000 alternatives at one position,
    // written in a few hundred bytes.
    const $defs: Record<string, unknown> = { d0: { enum: values(10) } };
    for (let i = 1; i <= 3; i++)
      $defs[`d${i}`] = { anyOf: Array(10).fill({ $ref: `#/$defs/d${i - 1}` }) };
    const problem = check({ $defs, $ref: "#/$defs/d3" });
    expect(problem?.message).toContain("every use of a $ref");
    // A recursive definition is finite: each use counts it once.
    const tree = {
      $defs: {
        node: {
          type: "object",
          properties: { name: { enum: ["a", "b"] }, children: { items: { $ref: "#/$defs/node" } } },
        },
      },
      $ref: "#/$defs/node",
    };
    expect(check(tree)).toBeNull();
  });

  it("refuses too many properties, too deep a nesting and too many bytes", () => {
    const props = (n: number) => ({
      type: "object",
      properties: Object.fromEntries(values(n).map((v) => [v, {}])),
    });
    expect(check(props(SCHEMA_LIMITS.properties))).toBeNull();
    expect(check(props(SCHEMA_LIMITS.properties + 1))?.message).toContain("5000 object properties");

    let deep: unknown = { type: "string" };
    for (let i = 0; i < 40; i++) deep = { type: "array", items: deep };
    expect(check(deep)?.message).toContain("more than 32 levels deep");

    const big = { type: "string", description: "x".repeat(SCHEMA_LIMITS.schemaBytes) };
    expect(check(big)?.message).toMatch(
      /is \d+ bytes; a local model takes schemas of at most 65536/,
    );
    const quarter = { type: "string", description: "x".repeat(60 * 1024) };
    const five = values(5).map((_, i) => ({ param: `tools[${i}]`, schema: quarter }));
    expect(schemaLimitProblem(five, 5)).toEqual({
      param: "tools[4]",
      message: expect.stringContaining("at most 262144 bytes of schemas") as string,
    });
  });

  it("measures a schema nested beyond the stack under a non-keyword without throwing", () => {
    let text = "1";
    for (let i = 0; i < 100_000; i++) text = `{"a":${text}}`;
    const schema = { type: "object", default: JSON.parse(text) as unknown };
    expect(check(schema)?.message).toContain("too deeply nested to serialise");
  });
});
