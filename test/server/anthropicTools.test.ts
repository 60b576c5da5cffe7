import { BadRequestError, type Anthropic } from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { countPromptTokens } from "../../src-main/providers/tokenEstimate.js";
import { toCountRequest } from "../../src-main/server/anthropicRequest.js";
import { CountTokensBody } from "../../src-main/server/schemas/anthropic.js";
import { usageRows } from "../ledger/ledgerQueries.js";
import {
  CLAUDE_PRICE,
  costOf,
  GPT_PRICE,
  startToolPools,
  type ToolPools,
} from "../pools/toolPools.js";

/**
 * Tools and images on the Anthropic-compatible API (`POST /v1/messages`), called with the
 * official @anthropic-ai/sdk the way Claude Code calls it, against an OpenAI-compatible pool
 * (translated both ways) and an Anthropic pool: the exact upstream request, the tool_use blocks
 * returned streamed and not, stop reasons, and usage rows.
 */
let p: ToolPools;
beforeAll(async () => {
  p = await startToolPools();
});
afterEach(() => p.reset());
afterAll(async () => {
  await p?.close();
});

const PNG = "iVBORw0KGgoAAAANSUhEUg==";
const image = { type: "base64" as const, media_type: "image/png" as const, data: PNG };
const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const time: Anthropic.Tool = { name: "get_time", input_schema: { type: "object", properties: {} } };

/**
 * Everything a Claude Code turn holds: system blocks, images, tool calls, results and errors.
 * (The SDK's types no longer list `temperature`; it sends it, and the Messages API takes it.)
 */
const params = (model: string) =>
  ({
    model,
    max_tokens: 200,
    temperature: 0.2,
    stop_sequences: ["END"],
    system: [
      { type: "text", text: "Be brief." },
      { type: "text", text: "Use tools." },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image", source: image },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_a", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_b", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_a",
            content: [
              { type: "text", text: "18°C" },
              { type: "image", source: image },
            ],
          },
          { type: "tool_result", tool_use_id: "toolu_b", content: "clock broken", is_error: true },
          { type: "text", text: "And Berlin?" },
        ],
      },
    ],
    tools: [weather, time],
    tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
  }) as Anthropic.MessageCreateParamsNonStreaming;

const asked = (content: string, tools = [weather, time]) => ({
  max_tokens: 100,
  messages: [{ role: "user" as const, content }],
  tools,
});

describe("/v1/messages with an OpenAI-compatible pool", () => {
  it("translates the whole turn to OpenAI's shape and the tool call back", async () => {
    p.oa.script({
      kind: "ok",
      toolCalls: [{ id: "call_9", name: "get_weather", arguments: '{"city":"Berlin"}' }],
      promptTokens: 2000,
      completionTokens: 30,
    });
    const { data, response } = await p.anthropic.messages.create(params("gpt-pool")).withResponse();
    const dataUrl = `data:image/png;base64,${PNG}`;
    expect(p.oa.requests[0]!.body).toEqual({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 200,
      temperature: 0.2,
      stop: ["END"],
      messages: [
        { role: "system", content: "Be brief.\n\nUse tools." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: dataUrl } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
        {
          role: "assistant",
          content: "Let me check.",
          tool_calls: [
            {
              id: "toolu_a",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { id: "toolu_b", type: "function", function: { name: "get_time", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_a", content: "18°C" },
        // OpenAI has no is_error; tool messages cannot carry images, so they follow as a user turn.
        { role: "tool", tool_call_id: "toolu_b", content: "Error: clock broken" },
        { role: "user", content: [{ type: "image_url", image_url: { url: dataUrl } }] },
        { role: "user", content: "And Berlin?" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather in a city",
            parameters: weather.input_schema,
          },
        },
        { type: "function", function: { name: "get_time", parameters: time.input_schema } },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    });
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: "gpt-pool",
      content: [{ type: "tool_use", id: "call_9", name: "get_weather", input: { city: "Berlin" } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 2000, output_tokens: 30 },
    });
    expect(data.content).toHaveLength(1);
    expect(p.rowsOf(response.headers.get("x-request-id"))).toMatchObject([
      {
        endpoint: "messages",
        state: "settled",
        usage_source: "provider",
        prompt_tokens: 2000,
        completion_tokens: 30,
        cost_micros: costOf(GPT_PRICE, 2000, 30),
      },
    ]);
  });

  it("streams text then parallel tool_use blocks with input_json_delta fragments", async () => {
    const script = {
      kind: "ok" as const,
      text: "Checking both.",
      toolCalls: [
        { id: "call_w", name: "get_weather", arguments: '{"city": "Berlin"}' },
        { id: "call_t", name: "get_time", arguments: "{}" },
      ],
    };
    p.oa.script(script, script);
    const req = { model: "gpt-pool", ...asked("Weather and time in Berlin?") };
    const { data: stream, response } = await p.anthropic.messages
      .create({ ...req, stream: true })
      .withResponse();
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const starts = events.filter((e) => e.type === "content_block_start");
    expect(starts).toEqual([
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "call_w", name: "get_weather", input: {} },
      },
      {
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "call_t", name: "get_time", input: {} },
      },
    ]);
    const json = (index: number) =>
      events
        .filter((e) => e.type === "content_block_delta" && e.index === index)
        .map((e) => {
          const d = (e as Anthropic.RawContentBlockDeltaEvent).delta;
          expect(d.type).toBe("input_json_delta");
          return (d as Anthropic.InputJSONDelta).partial_json;
        });
    expect(json(1).join("")).toBe('{"city": "Berlin"}');
    expect(json(1).length).toBeGreaterThan(2);
    expect(json(2).join("")).toBe("{}");
    const types = events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(types.filter((x) => x === "content_block_stop")).toHaveLength(3);
    const delta = events.at(-2) as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta).toEqual({ stop_reason: "tool_use", stop_sequence: null });
    expect(delta.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
    expect(p.rowsOf(response.headers.get("x-request-id"))[0]).toMatchObject({
      endpoint: "messages",
      stream: 1,
      cost_micros: costOf(GPT_PRICE, 11, 7),
    });

    const final = await p.anthropic.messages.stream(req).finalMessage();
    expect(final.content).toEqual([
      { type: "text", text: "Checking both." },
      { type: "tool_use", id: "call_w", name: "get_weather", input: { city: "Berlin" } },
      { type: "tool_use", id: "call_t", name: "get_time", input: {} },
    ]);
    expect(final.stop_reason).toBe("tool_use");
  });

  it("streams an answer that is only a tool call without an empty text block", async () => {
    p.oa.script({ kind: "ok", toolCalls: [{ id: "call_1", name: "get_time", arguments: "{}" }] });
    const final = await p.anthropic.messages
      .stream({ model: "gpt-pool", ...asked("time?") })
      .finalMessage();
    expect(final.content).toEqual([
      { type: "tool_use", id: "call_1", name: "get_time", input: {} },
    ]);
    expect(final.stop_reason).toBe("tool_use");
  });

  it("maps tool_choice auto/any/none/tool and disable_parallel_tool_use", async () => {
    const choices: [Anthropic.ToolChoice, Record<string, unknown>][] = [
      [{ type: "auto" }, { tool_choice: "auto" }],
      [
        { type: "any", disable_parallel_tool_use: true },
        { tool_choice: "required", parallel_tool_calls: false },
      ],
      [{ type: "none" }, { tool_choice: "none" }],
      [
        { type: "tool", name: "get_time" },
        { tool_choice: { type: "function", function: { name: "get_time" } } },
      ],
    ];
    for (const [tool_choice] of choices)
      await p.anthropic.messages.create({ model: "gpt-pool", ...asked("hi"), tool_choice });
    expect(
      p.oa.requests.map((r) => {
        const b = r.body as Record<string, unknown>;
        return {
          tool_choice: b.tool_choice,
          ...(b.parallel_tool_calls !== undefined
            ? { parallel_tool_calls: b.parallel_tool_calls }
            : {}),
        };
      }),
    ).toEqual(choices.map(([, expected]) => expected));
  });
});

describe("/v1/messages with an Anthropic pool", () => {
  it("forwards the turn in Anthropic's shape and returns the tool call, streamed and not", async () => {
    const call = { id: "toolu_9", name: "get_weather", arguments: '{"city": "Berlin"}' };
    const script = {
      kind: "ok" as const,
      toolCalls: [call],
      promptTokens: 900,
      completionTokens: 25,
    };
    p.an.script(script, script);
    const req = params("claude-pool");
    const { data, response } = await p.anthropic.messages.create(req).withResponse();
    expect(p.an.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 200,
      stream: true,
      temperature: 0.2,
      stop_sequences: ["END"],
      // Same family: the client's system blocks go as written (cache_control could be on them).
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Use tools." },
      ],
      messages: req.messages,
      tools: [weather, time],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    });
    const expected = [
      { type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Berlin" } },
    ];
    expect(data.content).toEqual(expected);
    expect(data.stop_reason).toBe("tool_use");
    expect(data.usage).toMatchObject({ input_tokens: 900, output_tokens: 25 });
    expect(p.rowsOf(response.headers.get("x-request-id"))).toMatchObject([
      {
        endpoint: "messages",
        served_model: "claude-sonnet-4-5",
        prompt_tokens: 900,
        completion_tokens: 25,
        cost_micros: costOf(CLAUDE_PRICE, 900, 25),
      },
    ]);
    const final = await p.anthropic.messages.stream(req).finalMessage();
    expect(final.content).toEqual(expected);
    expect(final.stop_reason).toBe("tool_use");
    expect(p.an.requests[1]!.body).toEqual(p.an.requests[0]!.body);
  });

  it("passes the upstream's stop sequence through", async () => {
    p.an.script({ kind: "ok", text: "done", finish: "stop_sequence", stopSequence: "END" });
    const res = await p.anthropic.messages.create({
      model: "claude-pool",
      max_tokens: 50,
      stop_sequences: ["END"],
      messages: [{ role: "user", content: "say done END" }],
    });
    expect([res.stop_reason, res.stop_sequence]).toEqual(["stop_sequence", "END"]);
    expect(res.content).toEqual([{ type: "text", text: "done" }]);
  });

  it("refuses Anthropic's server tools by type (400) rather than dropping them", async () => {
    const err = await p.anthropic.messages
      .create({
        model: "claude-pool",
        max_tokens: 50,
        messages: [{ role: "user", content: "search" }],
        tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toMatch(/web_search_20250305/);
    expect(p.an.requests).toHaveLength(0);
  });
});

describe("/v1/messages/count_tokens for pools", () => {
  const input = {
    system: "Be brief.",
    messages: [{ role: "user" as const, content: "Weather in Berlin?" }],
    tools: [weather],
  };

  it("asks an Anthropic upstream to count (translated like a generation), recording nothing", async () => {
    p.an.script({ kind: "ok", promptTokens: 321 });
    const before = usageRows(p.t.core).length;
    const counted = await p.anthropic.messages.countTokens({ model: "claude-pool", ...input });
    expect(counted).toEqual({ input_tokens: 321 });
    expect(p.an.requests.map((r) => [r.path, r.body])).toEqual([
      ["/v1/messages/count_tokens", { model: "claude-sonnet-4-5", ...input }],
    ]);
    expect(usageRows(p.t.core)).toHaveLength(before);
  });

  it("counts with gpt-tokenizer for an OpenAI-compatible pool (no upstream call)", async () => {
    const counted = await p.anthropic.messages.countTokens({ model: "gpt-pool", ...input });
    const req = toCountRequest(CountTokensBody.parse({ model: "gpt-pool", ...input }));
    expect(counted.input_tokens).toBe(await countPromptTokens(req.conversation!, "gpt-4o-mini"));
    expect(counted.input_tokens).toBeGreaterThan(20);
    expect([p.oa.requests.length, p.oa2.requests.length]).toEqual([0, 0]);
  });
});
