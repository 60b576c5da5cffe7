import { describe, expect, it } from "vitest";
import { toGrammarSchema } from "../../src-main/engine/toolSchema.js";

describe("toGrammarSchema: client JSON schemas cut to what the grammar enforces", () => {
  it("keeps types, properties, required, enums and items; drops the rest", () => {
    expect(
      toGrammarSchema({
        $schema: "http://json-schema.org/draft-07/schema#",
        title: "Args",
        type: "object",
        properties: {
          path: { type: "string", description: "File", pattern: "^/", minLength: 1 },
          limit: { type: "integer", minimum: 1, exclusiveMaximum: 100, default: 10 },
          mode: { enum: ["r", "w", { bad: 1 }] },
          tags: { type: "array", items: { type: "string" }, maxItems: 3, uniqueItems: true },
          when: { type: "string", format: "date-time" },
          site: { type: "string", format: "uri", maxLength: 50 },
        },
        required: ["path", "missing"],
        additionalProperties: false,
      }),
    ).toEqual({
      type: "object",
      properties: {
        path: { description: "File", type: "string", minLength: 1 },
        limit: { type: "integer" },
        mode: { enum: ["r", "w"] },
        tags: { type: "array", items: { type: "string" }, maxItems: 3 },
        when: { type: "string", format: "date-time" },
        site: { type: "string", maxLength: 50 },
      },
      required: ["path"],
    });
  });

  it("anyOf and type lists become oneOf; nullable scalars stay a type list", () => {
    expect(toGrammarSchema({ anyOf: [{ type: "string" }, { type: "null" }] })).toEqual({
      oneOf: [{ type: "string" }, { type: "null" }],
    });
    expect(toGrammarSchema({ type: ["string", "null"] })).toEqual({ type: ["string", "null"] });
    expect(
      toGrammarSchema({ type: ["object", "null"], properties: { a: { type: "number" } } }),
    ).toEqual({
      oneOf: [
        { type: "object", properties: { a: { type: "number" } }, required: [] },
        { type: "null" },
      ],
    });
  });

  it("moves definitions to $defs and rewrites their refs; an unknown ref is any value", () => {
    const out = toGrammarSchema({
      type: "object",
      properties: { item: { $ref: "#/definitions/Item" }, other: { $ref: "http://x/y" } },
      definitions: { Item: { type: "object", properties: { id: { type: "string" } } } },
    });
    expect(out.properties).toMatchObject({ item: { $ref: "#/$defs/Item" } });
    expect((out.properties as Record<string, { oneOf?: unknown[] }>).other!.oneOf).toHaveLength(3);
    expect(out.$defs).toEqual({
      Item: { type: "object", properties: { id: { type: "string" } }, required: [] },
    });
  });

  it("free-form objects and arrays accept any values; allOf merges object parts", () => {
    expect(toGrammarSchema({ type: "object" })).toEqual({
      type: "object",
      additionalProperties: true,
    });
    expect(
      toGrammarSchema({
        allOf: [
          { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
          { properties: { b: { type: "boolean" } } },
        ],
      }),
    ).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "boolean" } },
      required: ["a"],
    });
    // Self-nesting input is cut off instead of recursing without end.
    const deep: Record<string, unknown> = { type: "object", properties: {} };
    let node = deep;
    for (let i = 0; i < 100; i++) {
      const next = { type: "object", properties: {} };
      (node.properties as Record<string, unknown>).x = next;
      node = next;
    }
    expect(JSON.stringify(toGrammarSchema(deep)).length).toBeLessThan(20_000);
  });
});
