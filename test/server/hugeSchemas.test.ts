import Anthropic, { BadRequestError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "../ledger/ledgerQueries.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";

/**
 * JSON schemas that would cost a local model's grammar more than the whole box can spare (an
 * enum of 50,000 values stalled every other member's generation for seconds): refused with a 400
 * that names the limit, before anything is admitted, loaded or compiled. Real server and engine.
 */
let t: TestServer;
let hostile: TestMember;
let other: TestMember;

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  hostile = t.addMember({ name: "hostile" });
  other = t.addMember({ name: "other" });
});
afterAll(async () => {
  await t?.close();
});

const values = (n: number) => Array.from({ length: n }, (_, i) => `value-${i}`);
const enumSchema = (n: number) => ({
  type: "object",
  properties: { v: { enum: values(n) } },
  required: ["v"],
  additionalProperties: false,
});
const anthropic = (apiKey: string) =>
  new Anthropic({ baseURL: t.url, apiKey, maxRetries: 0, timeout: 150_000 });

describe("JSON schemas beyond the grammar limits", () => {
  it("a 50,000-value enum in response_format is a 400 naming the limit, with nothing admitted; the others are served", async () => {
    const order: string[] = [];
    const huge = hostile.openai.chat.completions
      .create({
        model: "tiny",
        messages: [{ role: "user", content: "pick" }],
        max_tokens: 16,
        response_format: {
          type: "json_schema",
          json_schema: { name: "pick", schema: enumSchema(50_000) },
        },
      })
      .then(
        () => order.push("hostile:ok"),
        (e: unknown) => {
          order.push("hostile:refused");
          return e;
        },
      );
    const normal = other.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 })
      .then(() => order.push("other"));
    const health = fetch(`${t.url}/health`).then((r) => order.push(`health:${r.status}`));
    const [err] = await Promise.all([huge, normal, health]);
    expect(err).toMatchObject({
      status: 400,
      code: "schema_too_large",
      param: "response_format",
      message: expect.stringContaining("at most 1000 per request") as string,
    });
    expect(order.sort()).toEqual(["health:200", "hostile:refused", "other"]);
    // Refused before admission: no usage row, nothing reserved.
    expect(usageRows(t.core, "member_id = ?", hostile.id)).toEqual([]);
  });

  it("a tool whose input_schema is too large is a 400 in Anthropic's shape, for messages and count_tokens", async () => {
    const client = anthropic(hostile.key);
    const tools = [
      { name: "pick", input_schema: enumSchema(50_000) as Anthropic.Tool.InputSchema },
    ];
    const asked = { model: "tiny", messages: [{ role: "user" as const, content: "pick" }], tools };
    for (const call of [
      () => client.messages.create({ ...asked, max_tokens: 8 }),
      () => client.messages.countTokens(asked),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).type).toBe("invalid_request_error");
      expect((err as BadRequestError).message).toContain("tools[0]");
    }
    // tool_choice none offers no tool: the schema is not compiled, so it is not refused.
    const none = await client.messages.create({
      ...asked,
      max_tokens: 1,
      tool_choice: { type: "none" },
    });
    expect(none.type).toBe("message");
    expect(usageRows(t.core, "member_id = ? AND state = 'settled'", hostile.id)).toHaveLength(1);
  });

  it("an enum at the limit is served, and the grammar holds the answer to it", async () => {
    const res = await other.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "pick" }],
      max_tokens: 48,
      temperature: 0,
      response_format: {
        type: "json_schema",
        json_schema: { name: "pick", schema: enumSchema(1000) },
      },
    });
    const answer = JSON.parse(res.choices[0]!.message.content!) as { v: string };
    expect(values(1000)).toContain(answer.v);
  });
});
