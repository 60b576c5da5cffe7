import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ChatMLChatWrapper } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { toHistory } from "../../src-main/engine/host/toolCalls.js";
import type { EngineMessage, GenerateInput } from "../../src-main/engine/protocol.js";
import { localChatInput } from "../../src-main/providers/local/localConversation.js";
import {
  loadPromptNoiseRules,
  promptNoiseRules,
  withoutNoiseLines,
  withoutPromptNoise,
} from "../../src-main/providers/local/promptNoise.js";
import { toChatRequest } from "../../src-main/server/anthropicRequest.js";
import { MessagesBody } from "../../src-main/server/schemas/anthropic.js";

/**
 * Per-request noise in system text is dropped for local models, and only it: what the model
 * renders differs from the client's request exactly by the noise lines, and two turns whose noise
 * differs render the same prefix.
 */

const rules = [{ id: "billing", linePrefix: "x-anthropic-billing-header:" }];
const billing = (cch: string, suffix = "7b4") =>
  `x-anthropic-billing-header: cc_version=2.1.100.${suffix}; cc_entrypoint=cli; cch=${cch};`;
const CLAUDE = "You are Claude Code, Anthropic's official CLI for Claude.";

describe("withoutNoiseLines", () => {
  it("drops a noise block and the blank line that separated it, wherever it stands", () => {
    expect(withoutNoiseLines(`${billing("eb6c6")}\n\n${CLAUDE}`, rules)).toBe(CLAUDE);
    expect(withoutNoiseLines(`tools\n\n${billing("eb6c6")}\n\n${CLAUDE}`, rules)).toBe(
      `tools\n\n${CLAUDE}`,
    );
    expect(withoutNoiseLines(`${CLAUDE}\n\n${billing("eb6c6")}`, rules)).toBe(CLAUDE);
    expect(withoutNoiseLines(`${billing("eb6c6")}\n${CLAUDE}\nmore`, rules)).toBe(
      `${CLAUDE}\nmore`,
    );
    expect(withoutNoiseLines(`  ${billing("eb6c6")}\n${CLAUDE}`, rules)).toBe(CLAUDE);
    expect(withoutNoiseLines(billing("eb6c6"), rules)).toBe("");
  });

  it("leaves text without noise exactly as it was, including a prefix that is not at a line start", () => {
    const text = `${CLAUDE}\n\nQuote: x-anthropic-billing-header: is a header name.\n`;
    expect(withoutNoiseLines(text, rules)).toBe(text);
    expect(withoutNoiseLines("", rules)).toBe("");
  });
});

describe("withoutPromptNoise", () => {
  it("rewrites only system messages, and drops one that held nothing else", () => {
    const user = { role: "user" as const, content: billing("aaaaa") };
    const messages: EngineMessage[] = [
      { role: "system", content: billing("aaaaa") },
      { role: "system", content: `${billing("aaaaa")}\n\n${CLAUDE}` },
      user,
    ];
    const out = withoutPromptNoise(messages, rules);
    expect(out).toEqual([{ role: "system", content: CLAUDE }, user]);
    // The user's own text is theirs: never rewritten, same object.
    expect(out[1]).toBe(user);
  });

  it("returns the same messages when there is no noise or no rule", () => {
    const messages: EngineMessage[] = [
      { role: "system", content: CLAUDE },
      { role: "user", content: "hi" },
    ];
    const out = withoutPromptNoise(messages, rules);
    expect(out).toEqual(messages);
    out.forEach((m, i) => expect(m).toBe(messages[i]));
    const noisy: EngineMessage[] = [{ role: "system", content: billing("a") }];
    expect(withoutPromptNoise(noisy, [])).toBe(noisy);
  });
});

describe("the shipped rules", () => {
  it("load from resources/rules/prompt-noise.json and cover Claude Code's billing header", () => {
    const shipped = promptNoiseRules();
    expect(shipped.map((r) => r.id)).toContain("claude-code-billing-header");
    expect(withoutNoiseLines(`${billing("eb6c6")}\n\n${CLAUDE}`, shipped)).toBe(CLAUDE);
  });

  it("an unreadable or malformed file gives no rules (requests pass unchanged)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-noise-"));
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ rules: [{ id: "x", linePrefix: "" }] }));
    expect(loadPromptNoiseRules(bad)).toEqual([]);
    expect(loadPromptNoiseRules(path.join(dir, "missing.json"))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** What the engine renders for a chat input with ChatML (the test models' template). */
function rendered(input: GenerateInput): string {
  if (input.kind !== "chat") throw new Error("chat input expected");
  const { contextText } = new ChatMLChatWrapper().generateContextState({
    chatHistory: toHistory(input.messages),
  });
  return contextText.toString();
}

/** A Claude-Code-shaped Messages request, as the SDK sends it (system as blocks). */
function claudeCodeBody(cch: string, suffix: string, extra: Record<string, unknown> = {}) {
  return MessagesBody.parse({
    model: "tiny",
    max_tokens: 32000,
    system: [
      { type: "text", text: billing(cch, suffix) },
      { type: "text", text: CLAUDE, cache_control: { type: "ephemeral" } },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: "list the files" }] }],
    ...extra,
  });
}

describe("a Claude Code request rendered for a local model", () => {
  it("differs from the client's request only by the billing line, whatever its cch", () => {
    const turn1 = toChatRequest(claudeCodeBody("eb6c6", "7b4"));
    const turn2 = toChatRequest(claudeCodeBody("0aaa9", "3a3"));
    const clean = toChatRequest(
      MessagesBody.parse({ ...claudeCodeBody("x", "y"), system: [{ type: "text", text: CLAUDE }] }),
    );
    const text1 = rendered(localChatInput(turn1));
    expect(rendered(localChatInput(turn2))).toBe(text1);
    expect(text1).toBe(rendered(localChatInput(clean)));
    expect(text1).not.toContain("x-anthropic-billing-header");
    expect(text1).toContain(`<|im_start|>system\n${CLAUDE}<|im_end|>`);
    // The request itself is untouched: remote pools forward the client's system blocks as sent.
    expect(turn1.messages[0]!.content).toBe(`${billing("eb6c6", "7b4")}\n\n${CLAUDE}`);
    expect(turn1.conversation!.turns[0]).toEqual({
      role: "system",
      text: `${billing("eb6c6", "7b4")}\n\n${CLAUDE}`,
    });
  });

  it("with tools, the conversation the engine renders loses the line too", () => {
    const tools = {
      tools: [{ name: "ls", description: "List files", input_schema: { type: "object" } }],
    };
    const a = localChatInput(toChatRequest(claudeCodeBody("eb6c6", "7b4", tools)));
    const b = localChatInput(toChatRequest(claudeCodeBody("0aaa9", "3a3", tools)));
    if (a.kind !== "chat" || b.kind !== "chat") throw new Error("chat input expected");
    expect(a.tools?.map((t) => t.name)).toEqual(["ls"]);
    expect(a.messages).toEqual(b.messages);
    expect(a.messages[0]).toEqual({ role: "system", content: CLAUDE });
  });
});
