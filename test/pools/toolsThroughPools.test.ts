import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openAiConversation } from "../../src-main/server/openaiChatRequest.js";
import { ChatCompletionBody } from "../../src-main/server/schemas/openai.js";
import {
  countCompletionTokens,
  countPromptTokens,
} from "../../src-main/providers/tokenEstimate.js";
import { usageRows } from "../ledger/ledgerQueries.js";
import { CLAUDE_PRICE, costOf, GPT_PRICE, startToolPools, type ToolPools } from "./toolPools.js";

/**
 * Tools and images through remote pools, called with the official OpenAI SDK: an OpenAI-compatible
 * pool gets the client's body as sent; an Anthropic pool gets it translated (system, images, tool
 * calls and results, tools, tool_choice). Tool calls come back in OpenAI's shape, streamed and
 * not, and are billed from the upstream's usage.
 */
let p: ToolPools;
beforeAll(async () => {
  p = await startToolPools();
});
afterEach(() => p.reset());
afterAll(async () => {
  await p?.close();
});

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  },
};
const time = {
  type: "function" as const,
  function: { name: "get_time", parameters: { type: "object", properties: {} } },
};
const PNG = "iVBORw0KGgoAAAANSUhEUg==";

/** A conversation with every kind of content: system, images, tool calls and their results. */
const conversation: OpenAI.ChatCompletionMessageParam[] = [
  { role: "system", content: "Be brief." },
  {
    role: "user",
    content: [
      { type: "text", text: "Compare these, then check the weather." },
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
      { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
    ],
  },
  {
    role: "assistant",
    content: null,
    tool_calls: [
      {
        id: "call_a",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
      { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
    ],
  },
  { role: "tool", tool_call_id: "call_a", content: "18°C and sunny" },
  { role: "tool", tool_call_id: "call_b", content: "14:05" },
  { role: "user", content: "And Berlin?" },
];

const requestIdOf = (r: Response) => r.headers.get("x-request-id");

describe("an OpenAI-compatible pool", () => {
  it("gets tools, tool_choice and images as sent, and answers tool calls non-streamed", async () => {
    p.oa.script({
      kind: "ok",
      toolCalls: [{ id: "call_w", name: "get_weather", arguments: '{"city":"Berlin"}' }],
      promptTokens: 1234,
      completionTokens: 56,
    });
    const params = {
      model: "gpt-pool",
      messages: conversation,
      tools: [weather, time],
      tool_choice: { type: "function" as const, function: { name: "get_weather" } },
      parallel_tool_calls: false,
      max_tokens: 100,
    };
    const { data, response } = await p.member.openai.chat.completions.create(params).withResponse();
    expect(p.oa.requests[0]!.body).toEqual({
      ...params,
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(data.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: "call_w",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Berlin"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    });
    expect(data.usage).toMatchObject({ prompt_tokens: 1234, completion_tokens: 56 });
    expect(p.rowsOf(requestIdOf(response))).toMatchObject([
      {
        state: "settled",
        usage_source: "provider",
        estimated: 0,
        prompt_tokens: 1234,
        completion_tokens: 56,
        cost_micros: costOf(GPT_PRICE, 1234, 56),
      },
    ]);
  });

  it("streams text and parallel tool calls as delta.tool_calls the SDK reassembles", async () => {
    const calls = [
      { id: "call_w", name: "get_weather", arguments: '{"city": "Berlin"}' },
      { id: "call_t", name: "get_time", arguments: "{}" },
    ];
    const script = { kind: "ok" as const, text: "Checking both.", toolCalls: calls };
    p.oa.script(script, script);
    const params = {
      model: "gpt-pool",
      messages: [{ role: "user" as const, content: "Weather and time in Berlin?" }],
      tools: [weather, time],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const { data: stream, response } = await p.member.openai.chat.completions
      .create(params)
      .withResponse();
    const pieces: unknown[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      pieces.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish ??= chunk.choices[0]?.finish_reason ?? null;
      usage ??= chunk.usage;
    }
    // Each call opens with its id, type and name; its arguments follow as fragments.
    expect(pieces[0]).toEqual({
      index: 0,
      id: "call_w",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    const second = pieces.findIndex((x) => (x as { index: number }).index === 1);
    expect(pieces[second]).toEqual({
      index: 1,
      id: "call_t",
      type: "function",
      function: { name: "get_time", arguments: "" },
    });
    const fragments = (i: number) =>
      pieces
        .filter((x) => (x as { index: number }).index === i)
        .map((x) => (x as { function: { arguments: string } }).function.arguments);
    expect(fragments(0).join("")).toBe('{"city": "Berlin"}');
    expect(fragments(0).length).toBeGreaterThan(2);
    expect(fragments(1).join("")).toBe("{}");
    expect(finish).toBe("tool_calls");
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7 });
    expect(p.rowsOf(requestIdOf(response))[0]).toMatchObject({
      stream: 1,
      prompt_tokens: 11,
      completion_tokens: 7,
      cost_micros: costOf(GPT_PRICE, 11, 7),
    });

    const final = await p.member.openai.chat.completions.stream(params).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.choices[0]!.message.content).toBe("Checking both.");
    expect(final.choices[0]!.message.tool_calls).toEqual(
      calls.map((c) => ({
        id: c.id,
        type: "function",
        function: { name: c.name, arguments: c.arguments },
      })),
    );
  });

  it("is counted with gpt-tokenizer when the upstream reports no usage (flagged estimated)", async () => {
    const call = { id: "call_w", name: "get_weather", arguments: '{"city":"Berlin"}' };
    p.oa.script({ kind: "ok", toolCalls: [call], usage: "none" });
    const body = {
      model: "gpt-pool",
      messages: [{ role: "user" as const, content: "Weather in Berlin, please?" }],
      tools: [weather],
    };
    const { data, response } = await p.member.openai.chat.completions.create(body).withResponse();
    expect(data.choices[0]!.message.tool_calls).toHaveLength(1);
    const conv = openAiConversation(ChatCompletionBody.parse(body)).conversation!;
    const prompt = await countPromptTokens(conv, "gpt-4o-mini");
    const completion = await countCompletionTokens("", [call], "gpt-4o-mini");
    // The tokenizer's count, not characters / 4.
    expect(prompt).not.toBe(Math.ceil(JSON.stringify(conv).length / 4));
    expect(p.rowsOf(requestIdOf(response))).toMatchObject([
      {
        usage_source: "estimate",
        estimated: 1,
        prompt_tokens: prompt,
        completion_tokens: completion,
        cost_micros: costOf(GPT_PRICE, prompt, completion),
      },
    ]);
  });
});

describe("an Anthropic pool behind the OpenAI API", () => {
  it("gets system, images, tool calls and results, tools and tool_choice translated", async () => {
    p.an.script({
      kind: "ok",
      toolCalls: [{ id: "toolu_01", name: "get_weather", arguments: '{"city":"Berlin"}' }],
      promptTokens: 1234,
      completionTokens: 56,
    });
    const { data, response } = await p.member.openai.chat.completions
      .create({
        model: "claude-pool",
        messages: conversation,
        tools: [weather, time],
        tool_choice: "required",
        parallel_tool_calls: false,
        stop: ["END"],
        max_tokens: 100,
        temperature: 0.5,
      })
      .withResponse();
    expect(p.an.requests[0]!.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      stream: true,
      temperature: 0.5,
      stop_sequences: ["END"],
      system: "Be brief.",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these, then check the weather." },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "call_b", name: "get_time", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_a", content: "18°C and sunny" },
            { type: "tool_result", tool_use_id: "call_b", content: "14:05" },
            { type: "text", text: "And Berlin?" },
          ],
        },
      ],
      tools: [
        {
          name: "get_weather",
          description: "Current weather in a city",
          input_schema: weather.function.parameters,
        },
        { name: "get_time", input_schema: time.function.parameters },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    expect(data.choices[0]!.message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        {
          id: "toolu_01",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Berlin"}' },
        },
      ],
    });
    expect(data.choices[0]!.finish_reason).toBe("tool_calls");
    expect(p.rowsOf(requestIdOf(response))).toMatchObject([
      {
        provider: expect.any(String),
        served_model: "claude-sonnet-4-5",
        usage_source: "provider",
        prompt_tokens: 1234,
        completion_tokens: 56,
        cost_micros: costOf(CLAUDE_PRICE, 1234, 56),
      },
    ]);
  });

  it("maps tool_choice none/auto/required/named to none/auto/any/tool", async () => {
    const choices: [OpenAI.ChatCompletionToolChoiceOption, unknown][] = [
      ["none", { type: "none" }],
      ["auto", { type: "auto" }],
      ["required", { type: "any" }],
      [
        { type: "function", function: { name: "get_time" } },
        { type: "tool", name: "get_time" },
      ],
    ];
    for (const [choice] of choices)
      await p.member.openai.chat.completions.create({
        model: "claude-pool",
        messages: [{ role: "user", content: "hi" }],
        tools: [weather, time],
        tool_choice: choice,
      });
    expect(p.an.requests.map((r) => (r.body as { tool_choice: unknown }).tool_choice)).toEqual(
      choices.map(([, expected]) => expected),
    );
  });

  it("streams Anthropic tool_use blocks as OpenAI tool-call deltas; a call without input is {}", async () => {
    p.an.script({
      kind: "ok",
      text: "Checking.",
      toolCalls: [
        { id: "toolu_w", name: "get_weather", arguments: '{"city": "Berlin"}' },
        { id: "toolu_t", name: "get_time", arguments: "" },
      ],
      promptTokens: 300,
      completionTokens: 40,
    });
    const stream = p.member.openai.chat.completions.stream({
      model: "claude-pool",
      messages: [{ role: "user", content: "Weather and time in Berlin?" }],
      tools: [weather, time],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Checking.");
    expect(final.choices[0]!.message.tool_calls).toEqual([
      {
        id: "toolu_w",
        type: "function",
        function: { name: "get_weather", arguments: '{"city": "Berlin"}' },
      },
      { id: "toolu_t", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 300, completion_tokens: 40 });
  });

  it("fails over before the first byte, but never after a tool-call delta went out", async () => {
    p.an.script({ kind: "error", status: 529 });
    p.an2.script({
      kind: "ok",
      toolCalls: [{ id: "toolu_2", name: "get_time", arguments: "{}" }],
    });
    const ask = (stream: boolean) =>
      p.member.openai.chat.completions
        .create({
          model: "claude-pool",
          messages: [{ role: "user", content: "time?" }],
          tools: [time],
          stream,
        })
        .withResponse();
    const { data, response } = await ask(false);
    const answer = data as OpenAI.ChatCompletion;
    expect(answer.choices[0]!.message.tool_calls![0]!.id).toBe("toolu_2");
    expect(p.rowsOf(requestIdOf(response)).map((r) => [r.attempt, r.state, r.cost_micros])).toEqual(
      [
        [1, "released", 0],
        [2, "settled", costOf(CLAUDE_PRICE, 11, 7)],
      ],
    );

    p.reset();
    p.an.script({
      kind: "drop_mid_stream",
      afterChunks: 1,
      toolCalls: [{ id: "toolu_x", name: "get_weather", arguments: '{"city":"Berlin"}' }],
    });
    const streamed = await ask(true);
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const chunk of streamed.data as AsyncIterable<OpenAI.ChatCompletionChunk>)
        seen.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(seen[0]).toMatchObject({ index: 0, id: "toolu_x" });
    expect(p.an2.requests).toHaveLength(0);
    // Settled by estimate: the prompt as the upstream's message_start reported it (11), the
    // completion as the tool-call pieces streamed (the call's start, one fragment) plus one.
    expect(p.rowsOf(requestIdOf(streamed.response))).toMatchObject([
      {
        attempt: 1,
        outcome: "error",
        estimated: 1,
        prompt_tokens: 11,
        completion_tokens: 3,
        cost_micros: costOf(CLAUDE_PRICE, 11, 3),
      },
    ]);
  });
});

describe("local models", () => {
  it("refuse images with a 400 before admission (no usage row)", async () => {
    const err = await p.member.openai.chat.completions
      .create({ model: "tiny", messages: conversation.slice(1, 2) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      param: "messages[0].content[1]",
      code: "unsupported_content",
    });
    // Refused before admission: nothing reserved, nothing recorded.
    expect(usageRows(p.t.core, "member_id = ? AND requested_model = 'tiny'", p.member.id)).toEqual(
      [],
    );
  });

  it("serve a forced tool call through /v1/messages as a tool_use block (the engine's tools)", async () => {
    const { data, response } = await p.anthropic.messages
      .create({
        model: "tiny",
        max_tokens: 160,
        messages: [{ role: "user", content: "time?" }],
        tools: [
          {
            name: "get_time",
            input_schema: {
              type: "object",
              properties: { zone: { type: "string", maxLength: 8 } },
              required: ["zone"],
            },
          },
        ],
        tool_choice: { type: "tool", name: "get_time" },
      })
      .withResponse();
    expect(data.stop_reason).toBe("tool_use");
    expect(data.content).toEqual([
      {
        type: "tool_use",
        id: expect.any(String),
        name: "get_time",
        input: { zone: expect.any(String) },
      },
    ]);
    expect(p.rowsOf(requestIdOf(response))).toMatchObject([
      {
        endpoint: "messages",
        provider: "local",
        usage_source: "engine",
        completion_tokens: data.usage.output_tokens,
      },
    ]);
  });
});
