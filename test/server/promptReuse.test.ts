import Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "../ledger/ledgerQueries.js";
import {
  plainText,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";

/**
 * Prompt-cache reuse across the turns of a conversation, through the official clients against
 * the real engine: turn 2 lands on the sequence that holds turn 1 and reports the reused tokens
 * (`prompt_tokens_details.cached_tokens`, Anthropic's `cache_read_input_tokens` with
 * `input_tokens` the uncached rest), streamed and not, and Claude Code's per-request billing
 * line does not defeat it.
 *
 * The bound: turn 2's prompt starts with turn 1's prompt whole (the template renders turn 1's
 * answer after it), so all of it is shared; the engine re-evaluates a prompt's last token for
 * fresh logits (ResidentModel.acquireSequence) and counts at most `prompt − 1` as cached, which
 * touches turn 1's part only when turn 2 adds nothing. So cached ≥ turn-1 prompt − 1.
 */
let t: TestServer;
let member: TestMember;
let anthropic: Anthropic;

beforeAll(async () => {
  t = await startTestServer();
  member = t.addMember();
  anthropic = new Anthropic({
    baseURL: t.url,
    apiKey: member.key,
    maxRetries: 0,
    timeout: 150_000,
  });
});
afterAll(async () => {
  await t?.close();
});

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
/** A distinct, stable system prompt per test, so no test starts on another's cached prefix. */
const system = (tag: string) => `You are a careful assistant (${tag}). ${plainText(120)}`;

describe("OpenAI chat completions", () => {
  for (const stream of [false, true]) {
    it(`turn 2 reports turn 1's prompt as cached_tokens (${stream ? "streamed" : "not streamed"})`, async () => {
      const first: ChatMessage[] = [
        { role: "system", content: system(`openai ${stream}`) },
        { role: "user", content: "first question" },
      ];
      const a = await member.openai.chat.completions.create({
        model: "tiny",
        messages: first,
        max_tokens: 4,
        temperature: 0,
      });
      const turn1 = a.usage!.prompt_tokens;
      const second: ChatMessage[] = [
        ...first,
        { role: "assistant", content: a.choices[0]!.message.content ?? "" },
        { role: "user", content: "second question" },
      ];
      let usage: OpenAI.CompletionUsage;
      if (stream) {
        const s = await member.openai.chat.completions.create({
          model: "tiny",
          messages: second,
          max_tokens: 4,
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        });
        let last: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of s) if (chunk.usage) last = chunk.usage;
        usage = last!;
      } else {
        const b = await member.openai.chat.completions.create({
          model: "tiny",
          messages: second,
          max_tokens: 4,
          temperature: 0,
        });
        usage = b.usage!;
      }
      const cached = usage.prompt_tokens_details!.cached_tokens!;
      expect(usage.prompt_tokens).toBeGreaterThan(turn1);
      expect(cached).toBeGreaterThanOrEqual(turn1 - 1);
      expect(cached).toBeLessThan(usage.prompt_tokens);
    });
  }
});

/** Text of a Messages API answer, as a client sends it back as the assistant's turn. */
const textOf = (m: Anthropic.Message) =>
  m.content.map((b) => (b.type === "text" ? b.text : "")).join("");

async function messagesTurn(params: Anthropic.MessageCreateParamsNonStreaming, stream: boolean) {
  const req = { ...params, temperature: 0 };
  if (!stream) {
    const { data, response } = await anthropic.messages.create(req).withResponse();
    return { message: data, requestId: response.headers.get("x-request-id")! };
  }
  const s = anthropic.messages.stream(req);
  const message = await s.finalMessage();
  const { response } = await s.withResponse();
  return { message, requestId: response.headers.get("x-request-id")! };
}

describe("Anthropic messages", () => {
  for (const stream of [false, true]) {
    it(`turn 2 reports turn 1's input as cache_read_input_tokens (${stream ? "streamed" : "not streamed"})`, async () => {
      const sys = system(`anthropic ${stream}`);
      const first: Anthropic.MessageParam[] = [{ role: "user", content: "first question" }];
      const a = await messagesTurn(
        { model: "tiny", max_tokens: 4, system: sys, messages: first },
        false,
      );
      const turn1 = a.message.usage.input_tokens + (a.message.usage.cache_read_input_tokens ?? 0);
      const second: Anthropic.MessageParam[] = [
        ...first,
        { role: "assistant", content: textOf(a.message) },
        { role: "user", content: "second question" },
      ];
      const b = await messagesTurn(
        { model: "tiny", max_tokens: 4, system: sys, messages: second },
        stream,
      );
      const u = b.message.usage;
      const cached = u.cache_read_input_tokens!;
      expect(cached).toBeGreaterThanOrEqual(turn1 - 1);
      // input_tokens is Anthropic's uncached part: the total is what the ledger recorded.
      const row = usageRows(t.core, "request_id = ?", b.requestId)[0]!;
      expect(u.input_tokens + cached).toBe(row.prompt_tokens);
      expect(cached).toBe(row.cached_tokens);
      expect(u.input_tokens).toBeGreaterThan(0);
      expect(u.cache_creation_input_tokens).toBe(0);
    });
  }

  it("a Claude Code billing line whose cch changes every turn does not defeat reuse", async () => {
    const billing = (cch: string, suffix: string) =>
      `x-anthropic-billing-header: cc_version=2.1.100.${suffix}; cc_entrypoint=cli; cch=${cch};`;
    const claude = `You are Claude Code, Anthropic's official CLI for Claude. ${plainText(100)}`;
    const systemOf = (cch: string, suffix: string): Anthropic.TextBlockParam[] => [
      { type: "text", text: billing(cch, suffix) },
      { type: "text", text: claude, cache_control: { type: "ephemeral" } },
    ];
    const first: Anthropic.MessageParam[] = [{ role: "user", content: "list the files" }];
    const a = await messagesTurn(
      { model: "tiny", max_tokens: 4, system: systemOf("eb6c6", "7b4"), messages: first },
      true,
    );
    const turn1 = a.message.usage.input_tokens + (a.message.usage.cache_read_input_tokens ?? 0);
    // count_tokens counts what the model reads: the line is not part of it.
    const count = await anthropic.messages.countTokens({
      model: "tiny",
      system: systemOf("eb6c6", "7b4"),
      messages: first,
    });
    expect(count.input_tokens).toBe(turn1);
    const b = await messagesTurn(
      {
        model: "tiny",
        max_tokens: 4,
        system: systemOf("0aaa9", "3a3"),
        messages: [
          ...first,
          { role: "assistant", content: textOf(a.message) },
          { role: "user", content: "now read them" },
        ],
      },
      true,
    );
    expect(b.message.usage.cache_read_input_tokens!).toBeGreaterThanOrEqual(turn1 - 1);
  });
});
