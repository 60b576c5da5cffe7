import { describe, expect, it } from "vitest";
import type { Conversation } from "../../src-main/gateway/types.js";
import {
  countCompletionTokens,
  countPromptTokens,
  encodingFor,
  IMAGE_TOKENS,
  roughPromptTokens,
} from "../../src-main/providers/tokenEstimate.js";

/**
 * Token counts for upstream answers without usage: gpt-tokenizer's real encodings (o200k_base,
 * cl100k_base), OpenAI's chat framing (3 per message, 3 to prime the reply), fixed costs for
 * tool calls and images. Expected counts are the encodings' published token counts.
 */
const CHINESE = "你好，世界！今天天气很好。"; // 9 tokens in o200k_base, 16 in cl100k_base

const conv = (c: Partial<Conversation>): Conversation => ({ turns: [], tools: [], ...c });

describe("encodingFor", () => {
  it("picks cl100k_base for GPT-3.5 and GPT-4, o200k_base for newer and other families", () => {
    const cases: [string, string][] = [
      ["gpt-3.5-turbo", "cl100k_base"],
      ["gpt-4", "cl100k_base"],
      ["gpt-4-turbo-2024-04-09", "cl100k_base"],
      ["openai/gpt-4-0613", "cl100k_base"],
      ["text-embedding-3-small", "cl100k_base"],
      ["gpt-4o-mini", "o200k_base"],
      ["gpt-4.1", "o200k_base"],
      ["o3-mini", "o200k_base"],
      ["gpt-5", "o200k_base"],
      ["claude-sonnet-4-5", "o200k_base"],
      ["llama-3.1-8b-instant", "o200k_base"],
    ];
    expect(cases.map(([m]) => [m, encodingFor(m)])).toEqual(cases);
  });
});

describe("countCompletionTokens", () => {
  it("counts text with the model's encoding", async () => {
    expect(await countCompletionTokens("Hello world", [], "gpt-4o")).toBe(2);
    expect(await countCompletionTokens(CHINESE, [], "gpt-4o")).toBe(9);
    expect(await countCompletionTokens(CHINESE, [], "gpt-4")).toBe(16);
    expect(await countCompletionTokens("", [], "gpt-4o")).toBe(0);
  });

  it("counts tool calls: 8 for the call's framing, its name and its arguments", async () => {
    const call = {
      id: "call_1",
      name: "get_weather",
      arguments: '{"city":"Paris","unit":"celsius"}',
    };
    // 8 + "get_weather" (2) + the arguments (10)
    expect(await countCompletionTokens("", [call], "gpt-4o-mini")).toBe(20);
    expect(await countCompletionTokens("Hello world", [call, call], "gpt-4o-mini")).toBe(2 + 40);
  });
});

describe("countPromptTokens", () => {
  it("frames each message with 3 tokens and primes the reply with 3", async () => {
    const c = conv({
      turns: [
        { role: "system", text: "Be brief." }, // 3
        { role: "user", content: [{ type: "text", text: "weather in Paris?" }] }, // 4
      ],
    });
    expect(await countPromptTokens(c, "gpt-4o")).toBe(3 + (3 + 3) + (3 + 4));
  });

  it("counts tool definitions, tool calls and results, and a fixed cost per image", async () => {
    const tools = [{ name: "get_weather", parameters: { type: "object", properties: {} } }];
    const c = conv({
      tools,
      turns: [
        {
          role: "user",
          content: [
            { type: "text", text: "Hello world" }, // 2
            { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
          ],
        },
        {
          role: "assistant",
          content: [],
          toolCalls: [{ id: "call_1", name: "get_weather", arguments: "{}" }],
        },
        {
          role: "tool",
          toolCallId: "call_1",
          content: [{ type: "text", text: "Hello world" }],
          isError: false,
        },
      ],
    });
    const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
    const expected =
      3 +
      countTokens(JSON.stringify(tools)) +
      (3 + 2 + IMAGE_TOKENS) +
      (3 + 8 + 2 + countTokens("{}")) +
      (3 + 2 + countTokens("call_1"));
    expect(await countPromptTokens(c, "gpt-4o")).toBe(expected);
    expect(IMAGE_TOKENS).toBe(765);
  });
});

describe("roughPromptTokens", () => {
  it("is about 4 characters per token, images at their fixed cost, never 0", () => {
    expect(roughPromptTokens(conv({}))).toBe(1);
    const text = (n: number) => ({
      role: "user" as const,
      content: [{ type: "text" as const, text: "x".repeat(n) }],
    });
    expect(roughPromptTokens(conv({ turns: [text(40)] }))).toBe(10);
    expect(roughPromptTokens(conv({ turns: [text(41)] }))).toBe(11);
    const image = {
      role: "user" as const,
      content: [
        {
          type: "image" as const,
          source: { kind: "base64" as const, mediaType: "image/png", data: "AAAA" },
        },
      ],
    };
    expect(roughPromptTokens(conv({ turns: [text(40), image] }))).toBe(10 + IMAGE_TOKENS);
  });
});
