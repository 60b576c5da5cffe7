import Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { addFakePool } from "../helpers/fakePool.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, call } from "../manage/manageClient.js";
import { canaries, leaked } from "./gatewayCanaries.js";

/**
 * KeyVault through the real server: canary secrets of every kind, in every part of a request
 * that can carry text, sent with the official SDKs to remote pools (fake OpenAI-compatible and
 * Anthropic upstreams on loopback), streamed and not. The upstreams' received bytes are scanned:
 * no canary may arrive. Placeholders go back into answers only when the member asks.
 */
let t: TestServer;
let oai: FakeUpstream;
let ant: FakeUpstream;
let member: TestMember;
let oaiConnection: string;
const list = canaries();
const all = list.map((c) => c.text).join("\n\n");

type GuardRow = { guard_json: string | null; provider: string | null; request_id: string };
const rowOf = (requestId: string) =>
  t.core.db
    .prepare(
      "SELECT guard_json, provider, request_id FROM usage WHERE request_id = ? ORDER BY attempt DESC",
    )
    .get(requestId) as GuardRow;
const guardOf = (requestId: string) =>
  JSON.parse(rowOf(requestId).guard_json!) as Record<string, unknown>;

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  oai = await startFakeUpstream({ protocol: "openai" });
  ant = await startFakeUpstream({ protocol: "anthropic" });
  oaiConnection = addFakePool(t.core, oai, "cloud");
  addFakePool(t.core, ant, "claude", "anthropic");
  member = t.addMember();
});
afterEach(() => {
  oai.reset();
  ant.reset();
});
afterAll(async () => {
  await t?.close();
  await oai?.close();
  await ant?.close();
});

/** An OpenAI chat with the canaries in every message part and in the tool definitions. */
function everyPart(model: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 20,
    messages: [
      { role: "system", content: `You help with config files.\n${all}` },
      { role: "user", content: [{ type: "text", text: `Look at this:\n${all}` }] },
      {
        role: "assistant",
        content: `I see ${list[0]!.value}`,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "read_env", arguments: JSON.stringify({ env: all }) },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: all },
      { role: "user", content: `Now fix it. ${list[5]!.text}` },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "read_env",
          description: `Reads the env, e.g. ${list[6]!.text}`,
          parameters: { type: "object", properties: { env: { type: "string" } } },
        },
      },
    ],
  };
}

describe("KeyVault on remote targets", () => {
  it("no canary reaches an OpenAI-compatible upstream, non-streamed; placeholders do", async () => {
    const { data, response } = await member.openai.chat.completions
      .create(everyPart("cloud"))
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello from upstream");
    expect(oai.requests).toHaveLength(1);
    const raw = oai.requests[0]!.raw.toString("utf8");
    expect(leaked(raw, list)).toEqual([]);
    // Same value, same placeholder, everywhere it appears (system, tool result, arguments…).
    expect(raw).toContain("[SECRET_1]");
    const body = oai.requests[0]!.body as { messages: { content: unknown }[] };
    expect(body.messages[2]!.content).toBe("I see [SECRET_1]");
    const record = guardOf(response.headers.get("x-request-id")!);
    expect(record.secrets_action).toBe("redacted");
    // Every kind was found, counted per type (distinct values: a PEM block inside the JSON of
    // the tool call's arguments is written differently, so it counts again), never the values.
    const secrets = record.secrets as Record<string, number>;
    expect(Object.keys(secrets).sort()).toEqual([
      "anthropic",
      "aws",
      "azure",
      "database-url",
      "gcp",
      "github",
      "gitlab",
      "groq",
      "huggingface",
      "jwt",
      "openai",
      "openrouter",
      "private-key",
      "slack",
      "stripe",
    ]);
    expect(secrets.aws).toBeGreaterThanOrEqual(2);
    const total = Object.values(secrets).reduce((a, b) => a + b);
    expect(JSON.stringify(record)).not.toContain(list[0]!.value);
    // The service account's client_email is PII, flagged (the org's default policy).
    expect(record.pii).toEqual({ email: 1 });
    expect(response.headers.get("x-benchtop-guard")).toBe(
      `secrets=redacted:${total}; pii=flagged:1`,
    );
  });

  it("no canary reaches it streamed either", async () => {
    const stream = await member.openai.chat.completions.create({
      ...everyPart("cloud"),
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from upstream");
    expect(leaked(oai.requests[0]!.raw, list)).toEqual([]);
  });

  it("no canary reaches an Anthropic upstream through /v1/messages (system, tool_use, tool_result)", async () => {
    const client = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
    const msg = await client.messages.create({
      model: "claude",
      max_tokens: 20,
      system: [{ type: "text", text: all }],
      tools: [
        {
          name: "read_env",
          description: `Reads ${list[2]!.text}`,
          input_schema: { type: "object", properties: { env: { type: "string" } } },
        },
      ],
      messages: [
        { role: "user", content: `Check ${list[3]!.text}` },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_1", name: "read_env", input: { env: all } }],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: all }] },
            { type: "text", text: `and ${list[4]!.text}` },
          ],
        },
      ],
    });
    expect(msg.content[0]).toMatchObject({ type: "text", text: "Hello from upstream" });
    expect(ant.requests).toHaveLength(1);
    expect(leaked(ant.requests[0]!.raw, list)).toEqual([]);
    expect(ant.requests[0]!.raw.toString()).toContain("[SECRET_");
  });

  it("count_tokens on an Anthropic pool sends the redacted prompt to the upstream", async () => {
    const client = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
    await client.messages.countTokens({
      model: "claude",
      messages: [{ role: "user", content: all }],
    });
    expect(ant.requests).toHaveLength(1);
    expect(ant.requests[0]!.path).toBe("/v1/messages/count_tokens");
    expect(leaked(ant.requests[0]!.raw, list)).toEqual([]);
  });

  it("a local target gets the request as written and records that nothing left", async () => {
    const { response } = await member.openai.chat.completions
      .create({
        model: "tiny",
        max_tokens: 2,
        temperature: 0,
        messages: [{ role: "user", content: list[0]!.text }],
      })
      .withResponse();
    const record = guardOf(response.headers.get("x-request-id")!);
    expect(record).toMatchObject({ secrets: {}, secrets_action: "local", pii_action: "none" });
    expect(response.headers.get("x-benchtop-guard")).toBeNull();
  });
});

describe("placeholders back in the answer", () => {
  const secret = list.find((c) => c.kind === "github")!;
  const pem = list.find((c) => c.kind === "private-key")!;
  const ask = (headers: Record<string, string> = {}) =>
    member.openai.chat.completions.create(
      { model: "cloud", max_tokens: 20, messages: [{ role: "user", content: secret.text }] },
      { headers },
    );

  it("are left as placeholders by default", async () => {
    oai.script({ kind: "ok", text: "Your token is [SECRET_1], keep it safe." });
    const data = await ask();
    expect(data.choices[0]!.message.content).toBe("Your token is [SECRET_1], keep it safe.");
  });

  it("are restored with x-benchtop-guard-restore, also when a placeholder is split across chunks", async () => {
    oai.script({ kind: "ok", text: "Your token is [SECRET_1], keep it safe." });
    const data = await ask({ "x-benchtop-guard-restore": "true" });
    expect(data.choices[0]!.message.content).toBe(`Your token is ${secret.value}, keep it safe.`);
    // The fake upstream streams the text in pieces that cut through the placeholder.
    oai.script({ kind: "ok", text: "A[SECRET_1]B[SECRET_1]" });
    const stream = await member.openai.chat.completions.create(
      {
        model: "cloud",
        max_tokens: 20,
        stream: true,
        messages: [{ role: "user", content: secret.text }],
      },
      { headers: { "x-benchtop-guard-restore": "true" } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(`A${secret.value}B${secret.value}`);
    // The upstream still never saw it.
    expect(leaked(oai.requests.map((r) => r.raw.toString()).join(""), [secret])).toEqual([]);
  });

  it("go back into tool-call arguments as valid JSON (a PEM block's newlines escaped)", async () => {
    oai.script({
      kind: "ok",
      toolCall: { name: "save_key", arguments: '{"key":"[SECRET_1]","note":"[SECRET_9]"}' },
    });
    const data = await member.openai.chat.completions.create(
      {
        model: "cloud",
        max_tokens: 20,
        messages: [{ role: "user", content: `Save this key:\n${pem.text}` }],
        tools: [
          {
            type: "function",
            function: { name: "save_key", parameters: { type: "object", properties: {} } },
          },
        ],
      },
      { headers: { "x-benchtop-guard-restore": "1" } },
    );
    const call0 = data.choices[0]!.message.tool_calls![0]!;
    if (call0.type !== "function") throw new Error("expected a function call");
    const args = JSON.parse(call0.function.arguments) as {
      key: string;
      note: string;
    };
    expect(args.key).toContain(pem.value);
    expect(args.key).toContain("\n");
    // A placeholder this request did not make stays as it is.
    expect(args.note).toBe("[SECRET_9]");
  });

  it("are restored for a member whose policy says so, and the row counts them", async () => {
    const restoring = t.addMember();
    t.core.store.guard.put("member", restoring.id, {
      pii_mode: "flag",
      pii_types: null,
      apply_local: false,
      keep_local_model: null,
      restore: true,
    });
    oai.script({ kind: "ok", text: "[SECRET_1] and [SECRET_1]" });
    const { data, response } = await restoring.openai.chat.completions
      .create({
        model: "cloud",
        max_tokens: 20,
        messages: [{ role: "user", content: secret.text }],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe(`${secret.value} and ${secret.value}`);
    expect(guardOf(response.headers.get("x-request-id")!).restored).toBe(2);
    oai.script({ kind: "ok", text: "[SECRET_1] and [SECRET_1]" });
    const stream = await restoring.openai.chat.completions.create({
      model: "cloud",
      max_tokens: 20,
      stream: true,
      messages: [{ role: "user", content: secret.text }],
    });
    let id = "";
    for await (const chunk of stream) id = chunk.id;
    expect(id).not.toBe("");
    const rows = t.core.db
      .prepare(
        "SELECT guard_json FROM usage WHERE member_id = ? ORDER BY created_ms DESC, id DESC LIMIT 1",
      )
      .get(restoring.id) as { guard_json: string };
    expect((JSON.parse(rows.guard_json) as { restored: number }).restored).toBe(2);
  });
});

describe("KeyVault off for a connection", () => {
  it("is the owner's decision alone, audited, and the row says secrets went out", async () => {
    const admin = t.addMember({ role: "admin" });
    const denied = await call(t, bearer(admin.key), "PATCH", `/connections/${oaiConnection}`, {
      redact_secrets: false,
    });
    expect(denied.status).toBe(403);
    const res = await call(t, t.auth, "PATCH", `/connections/${oaiConnection}`, {
      redact_secrets: false,
    });
    expect(res.status).toBe(200);
    expect((res.body as { redact_secrets: boolean }).redact_secrets).toBe(false);
    const audit = t.core.db
      .prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY seq DESC LIMIT 1")
      .get(oaiConnection) as { action: string };
    expect(audit.action).toBe("connection.keyvault");
    try {
      const secret = list.find((c) => c.kind === "stripe")!;
      const { response } = await member.openai.chat.completions
        .create({
          model: "cloud",
          max_tokens: 20,
          messages: [{ role: "user", content: secret.text }],
        })
        .withResponse();
      expect(oai.requests[0]!.raw.toString()).toContain(secret.value);
      expect(guardOf(response.headers.get("x-request-id")!)).toMatchObject({
        secrets_action: "off",
      });
    } finally {
      await call(t, t.auth, "PATCH", `/connections/${oaiConnection}`, { redact_secrets: true });
    }
  });
});
