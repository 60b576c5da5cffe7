import Anthropic from "@anthropic-ai/sdk";
import type { LimitsViewDto } from "@contract";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CODEX_ENV_KEY,
  keySnippets,
  suggestMaxTokens,
  type KeySnippet,
  type ToolId,
} from "../../../src-renderer/lib/keySnippets";
import { startTestServer, type TestMember, type TestServer } from "../../helpers/testServer";

/**
 * A zstd frame holding `data` in one raw block (RFC 8878 §3.1.1: magic, a frame header with a
 * single-segment content size, one last raw block): enough for a test body, without a zstd
 * encoder (Node 20 has none).
 */
function zstdFrame(data: Buffer): Buffer {
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame header descriptor: single segment, 4-byte content size (FCS flag 2).
  const fhd = Buffer.from([0xa0]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  // Block header: last block, raw, block size (3 bytes, little endian: size << 3 | type << 1 | last).
  const header = data.length * 8 + 1;
  const block = Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]);
  return Buffer.concat([magic, fhd, size, block, data]);
}

/**
 * "Connect a tool" (issue 12, part 7): every snippet is built for a real member's key against a
 * real server, and the HTTP call it describes is made: curl's URL, headers and body as written;
 * the SDK and tool setups through the official `openai` and `@anthropic-ai/sdk` clients with the
 * base URL, key, model and max_tokens the snippet shows. Codex's config is checked, `${base_url}/models` must
 * list the model it names, and a zstd-compressed Responses call to that base URL is answered.
 */
let t: TestServer;
let member: TestMember;
let snippets: Record<ToolId, KeySnippet>;
const MAX_TOKENS = 8;

beforeAll(async () => {
  t = await startTestServer();
  // The member's own max_tokens limit is what the snippets use.
  member = t.addMember({ name: "Tess", limits: { max_tokens: MAX_TOKENS } });
  // As the UI reads them: the member's effective limits from the management API.
  const limits = (await (
    await fetch(`${t.url}/manage/v1/members/${member.id}/limits`, {
      headers: { authorization: `Bearer ${member.key}` },
    })
  ).json()) as LimitsViewDto;
  const { maxTokens } = suggestMaxTokens({ limits: limits.effective });
  expect(maxTokens).toBe(MAX_TOKENS);
  const list = keySnippets({ origin: t.url, key: member.key, model: "tiny", maxTokens });
  snippets = Object.fromEntries(list.map((s) => [s.id, s])) as Record<ToolId, KeySnippet>;
});
afterAll(async () => {
  await t?.close();
});

const block = (id: ToolId, title = "Shell") => {
  const found = snippets[id].blocks.find((b) => b.title === title);
  if (!found) throw new Error(`${id} has no block ${title}`);
  return found.code;
};

/** POSIX single-quoted or bare words, as the snippets write them. */
const unquote = (v: string) => (v.startsWith("'") ? v.slice(1, -1).replaceAll(`'\\''`, "'") : v);

/** `export NAME=value` lines of a shell block. */
function exportsOf(code: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of code.matchAll(/^export (\w+)=(.*)$/gm)) out[m[1]!] = unquote(m[2]!);
  return out;
}

/** `name = "value"` / `name: "value"` / `name=value` literal after `name`, JSON-decoded. */
function literal(code: string, name: string): string {
  const m = new RegExp(`\\b${name}\\s*[=:]\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(code);
  if (!m) throw new Error(`no ${name} in ${code}`);
  return JSON.parse(m[1]!) as string;
}
function number(code: string, name: string): number {
  const m = new RegExp(`\\b${name}\\s*[=:]\\s*(\\d+)`).exec(code);
  if (!m) throw new Error(`no ${name} in ${code}`);
  return Number(m[1]);
}

const openai = (baseURL: string, apiKey: string) =>
  new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 150_000 });

async function chatWith(client: OpenAI, model: string, maxTokens: number) {
  const reply = await client.chat.completions.create({
    model,
    max_tokens: maxTokens,
    messages: [{ role: "user", content: "Hello!" }],
  });
  expect(reply.object).toBe("chat.completion");
  expect(reply.usage!.completion_tokens).toBeLessThanOrEqual(MAX_TOKENS);
}

describe("Connect a tool: each snippet's call, against a real server", () => {
  it("curl: the URL, headers and body as written", async () => {
    const code = block("curl");
    const url = /^curl (\S+) \\$/m.exec(code)![1]!;
    const headers = Object.fromEntries(
      [...code.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const body = unquote(/-d ('.*')$/m.exec(code)![1]!);
    expect(url).toBe(`${t.url}/v1/chat/completions`);
    expect(JSON.parse(body)).toMatchObject({ model: "tiny", max_tokens: MAX_TOKENS });
    const res = await fetch(url, { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("chat.completion");
  });

  it("the OpenAI SDKs (Python and Node) and the environment variables", async () => {
    for (const code of [block("python", "Python"), block("javascript", "JavaScript")]) {
      const base = literal(code, code.includes("base_url") ? "base_url" : "baseURL");
      const key = literal(code, code.includes("api_key") ? "api_key" : "apiKey");
      expect([base, key]).toEqual([`${t.url}/v1`, member.key]);
      await chatWith(openai(base, key), literal(code, "model"), number(code, "max_tokens"));
    }
    const env = exportsOf(block("env"));
    await chatWith(openai(env.OPENAI_BASE_URL!, env.OPENAI_API_KEY!), "tiny", MAX_TOKENS);
  });

  it("Claude Code: its environment (shell and settings.json alike) drives the Anthropic API", async () => {
    const shell = exportsOf(block("claude"));
    const settings = JSON.parse(block("claude", snippets.claude.blocks[1]!.title)) as {
      env: Record<string, string>;
    };
    expect(settings.env).toEqual(shell);
    expect(shell).toMatchObject({
      ANTHROPIC_BASE_URL: t.url,
      ANTHROPIC_AUTH_TOKEN: member.key,
      ANTHROPIC_MODEL: "tiny",
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: String(MAX_TOKENS),
      CLAUDE_CODE_ATTRIBUTION_HEADER: "0",
    });
    // Model discovery (GET /v1/models) lists the model, as the member sees it.
    const models = await fetch(`${shell.ANTHROPIC_BASE_URL}/v1/models`, {
      headers: { authorization: `Bearer ${shell.ANTHROPIC_AUTH_TOKEN}` },
    });
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain(
      shell.ANTHROPIC_MODEL,
    );
    // What Claude Code sends: a Bearer token, its session id, /v1/messages.
    const client = new Anthropic({
      baseURL: shell.ANTHROPIC_BASE_URL,
      authToken: shell.ANTHROPIC_AUTH_TOKEN,
      apiKey: null,
      maxRetries: 0,
    });
    const message = await client.messages.create(
      {
        model: shell.ANTHROPIC_MODEL!,
        max_tokens: Number(shell.CLAUDE_CODE_MAX_OUTPUT_TOKENS),
        messages: [{ role: "user", content: "Hello!" }],
      },
      { headers: { "x-claude-code-session-id": "connect-test-session" } },
    );
    expect(message.type).toBe("message");
    const row = t.core.db
      .prepare("SELECT member_id, session_id FROM usage WHERE session_id = ?")
      .get("connect-test-session") as { member_id: string } | undefined;
    expect(row?.member_id).toBe(member.id);
  });

  it("the Anthropic SDK (Python and TypeScript): x-api-key against the origin", async () => {
    for (const code of [block("anthropic", "Python"), block("anthropic", "TypeScript")]) {
      const base = literal(code, code.includes("base_url") ? "base_url" : "baseURL");
      const key = literal(code, code.includes("api_key") ? "api_key" : "apiKey");
      expect([base, key]).toEqual([t.url, member.key]);
      const client = new Anthropic({ baseURL: base, apiKey: key, authToken: null, maxRetries: 0 });
      const message = await client.messages.create({
        model: literal(code, "model"),
        max_tokens: number(code, "max_tokens"),
        messages: [{ role: "user", content: "Hello!" }],
      });
      expect(message.type).toBe("message");
    }
  });

  it("Continue's config.yaml and Aider's environment: OpenAI-compatible calls", async () => {
    const yaml = block("continue", "~/.continue/config.yaml");
    expect(yaml).toContain("provider: openai");
    await chatWith(
      openai(literal(yaml, "apiBase"), literal(yaml, "apiKey")),
      literal(yaml, "model"),
      number(yaml, "maxTokens"),
    );
    const aider = block("aider");
    const env = exportsOf(aider);
    const model = unquote(/--model (\S+)$/m.exec(aider)![1]!);
    expect(model).toBe("openai/tiny");
    await chatWith(
      openai(env.OPENAI_API_BASE!, env.OPENAI_API_KEY!),
      model.slice("openai/".length),
      MAX_TOKENS,
    );
  });

  it("Codex CLI: a responses provider whose base URL lists the model for the key", async () => {
    const toml = block("codex", "~/.codex/config.toml");
    const provider = toml.slice(
      toml.indexOf("[model_providers.benchtop]"),
      toml.indexOf("[profiles"),
    );
    expect({
      base_url: literal(provider, "base_url"),
      env_key: literal(provider, "env_key"),
      wire_api: literal(provider, "wire_api"),
    }).toEqual({ base_url: `${t.url}/v1`, env_key: CODEX_ENV_KEY, wire_api: "responses" });
    const profile = toml.slice(toml.indexOf("[profiles.benchtop]"));
    expect(literal(profile, "model_provider")).toBe("benchtop");
    const env = exportsOf(block("codex"));
    const res = await fetch(`${literal(provider, "base_url")}/models`, {
      headers: { authorization: `Bearer ${env[CODEX_ENV_KEY]}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain(
      literal(profile, "model"),
    );
    // Codex's own call: the Responses API at that base URL, with that key and model, its body
    // zstd-compressed as Codex may send it.
    const body = JSON.stringify({
      model: literal(profile, "model"),
      input: "Say hi",
      max_output_tokens: 4,
      temperature: 0,
      store: false,
    });
    const answer = await fetch(`${literal(provider, "base_url")}/responses`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${env[CODEX_ENV_KEY]}`,
        "content-type": "application/json",
        "content-encoding": "zstd",
      },
      body: new Uint8Array(zstdFrame(Buffer.from(body))),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { object: string; status: string }).object).toBe("response");
  });
});
