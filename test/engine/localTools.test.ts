import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateEvent } from "../../src-main/engine/LocalEngine.js";
import type {
  EngineMessage,
  EngineTool,
  EngineToolChoice,
  GenerateInput,
} from "../../src-main/engine/protocol.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

/**
 * Tool calls on the local engine (the generated tiny model, random weights): a named or required
 * tool is forced by a grammar, so the arguments parse and match the schema whatever the weights;
 * `auto` documents the tools in the chat template and lets the model decide.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ engine: { contextSize: 1024 } });
});
afterAll(() => t?.close());

const WEATHER: EngineTool = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: {
      city: { type: "string", maxLength: 10, pattern: "^[A-Z]" },
      unit: { enum: ["c", "f"] },
    },
    required: ["city", "unit"],
    additionalProperties: false,
  },
};
const TIME: EngineTool = {
  name: "get_time",
  parameters: { type: "object", properties: { zone: { type: "string", maxLength: 8 } } },
};
const ASK: EngineMessage[] = [{ role: "user", content: "Weather in Paris?" }];

async function run(input: GenerateInput, maxTokens = 160) {
  const events: GenerateEvent[] = [];
  for await (const e of t.core.engine.generate(
    "tiny",
    input,
    { maxTokens, temperature: 0, topP: 1, seed: 7, stop: [] },
    { signal: new AbortController().signal },
  ))
    events.push(e);
  const done = events.at(-1);
  if (done?.type !== "done") throw new Error("no done event");
  const pieces = events.filter((e) => e.type === "tool_call");
  const started = events.find((e) => e.type === "started");
  return { events, done, pieces, started };
}
const chat = (tools: EngineTool[], toolChoice?: EngineToolChoice): GenerateInput => ({
  kind: "chat",
  messages: ASK,
  tools,
  ...(toolChoice ? { toolChoice } : {}),
});

describe("local tool calls", () => {
  it("a named tool: streamed arguments that parse and match the schema", async () => {
    const { done, pieces, events } = await run(chat([WEATHER, TIME], { name: "get_weather" }));
    expect(events.filter((e) => e.type === "delta")).toEqual([]); // no text, only the call
    expect(done.finishReason).toBe("stop");
    expect(done.toolUse).toBe(true);
    expect(done.text).toBe("");
    expect(done.toolCalls).toHaveLength(1);
    const call = done.toolCalls![0]!;
    expect(call.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(call.name).toBe("get_weather");
    // The first piece names the call; the pieces add up to exactly the final arguments.
    expect(pieces[0]).toMatchObject({ index: 0, id: call.id, name: "get_weather" });
    expect(
      pieces
        .map((p) => (p.type === "tool_call" ? p.argumentsDelta : ""))
        .join("")
        .trim(),
    ).toBe(call.arguments);
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    expect(Object.keys(args).sort()).toEqual(["city", "unit"]);
    expect(typeof args.city).toBe("string");
    // (maxLength is in the grammar too, but this model's byte tokens can form invalid UTF-8
    // that decodes to replacement characters, so the decoded length is not checked.)
    expect(["c", "f"]).toContain(args.unit);
    expect(done.usage.completionTokens).toBeGreaterThan(0);
  });

  it("required with several tools: one call to one of them, its name and arguments separated", async () => {
    const { done, pieces } = await run(chat([WEATHER, TIME], "required"));
    expect(done.finishReason).toBe("stop");
    const call = done.toolCalls![0]!;
    expect(["get_weather", "get_time"]).toContain(call.name);
    expect(pieces).toEqual([
      { type: "tool_call", index: 0, id: call.id, name: call.name, argumentsDelta: call.arguments },
    ]);
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    expect(Object.keys(args).sort()).toEqual(
      call.name === "get_weather" ? ["city", "unit"] : ["zone"],
    );
  });

  it("a call cut short by max_tokens is returned as written, finish length, not a tool stop", async () => {
    const { done } = await run(chat([WEATHER], { name: "get_weather" }), 5);
    expect(done.finishReason).toBe("length");
    expect(done.toolUse).toBe(false);
    expect(done.usage.completionTokens).toBe(5);
    expect(done.toolCalls![0]!.name).toBe("get_weather");
    expect(() => JSON.parse(done.toolCalls![0]!.arguments)).toThrow();
  });

  it("auto: the tools are documented in the prompt, counted exactly as generated", async () => {
    const input = chat([WEATHER, TIME]);
    const counted = await t.core.engine.countTokens("tiny", input);
    const plain = await t.core.engine.countTokens("tiny", { kind: "chat", messages: ASK });
    expect(counted).toBeGreaterThan(plain + 20);
    const { started, done } = await run(input, 8);
    expect(started).toMatchObject({ promptTokens: counted });
    expect(["stop", "length"]).toContain(done.finishReason);
  });

  it("renders earlier calls with their results, and refuses what it cannot do", async () => {
    const history = (result: string): GenerateInput => ({
      kind: "chat",
      messages: [
        ...ASK,
        {
          role: "assistant",
          content: "",
          toolCalls: [
            { id: "call_1", name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
          ],
        },
        { role: "tool", toolCallId: "call_1", content: result },
      ],
      tools: [WEATHER],
    });
    const short = await t.core.engine.countTokens("tiny", history("18"));
    const long = await t.core.engine.countTokens("tiny", history("18 and sunny, light wind"));
    expect(long).toBeGreaterThan(short); // the result is part of the prompt

    await expect(run(chat([WEATHER], { name: "nope" }))).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(
      (async () => {
        for await (const _ of t.core.engine.generate(
          "tiny",
          chat([WEATHER], "required"),
          { maxTokens: 5, temperature: 0, topP: 1, stop: [], grammar: { type: "json" } },
          { signal: new AbortController().signal },
        ));
      })(),
    ).rejects.toMatchObject({ code: "invalid_input" });
  });
});
