import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "../../src-main/gateway/Gateway.js";
import { ApiError } from "../../src-main/gateway/errors.js";
import type { Provider } from "../../src-main/providers/types.js";
import { usageRows, type UsageRow } from "../ledger/ledgerQueries.js";
import {
  longRunningPrompt,
  plainText,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";

/**
 * The Anthropic-compatible API, driven by the official `@anthropic-ai/sdk` against the real
 * server and engine: message shape, exact usage, streaming events, count_tokens, and errors in
 * Anthropic's shape with the SDK's own error classes.
 */
let t: TestServer;
let member: TestMember;
let client: Anthropic;
/** A prompt the tiny model keeps generating for (never an early end of turn). */
let long: string;

const anthropic = (apiKey: string) =>
  new Anthropic({ baseURL: t.url, apiKey, maxRetries: 0, timeout: 150_000 });

beforeAll(async () => {
  // A short heartbeat, so streams of a few hundred tokens carry `ping` events between deltas.
  t = await startTestServer({ server: { sseHeartbeatS: 0.01 } });
  member = t.addMember();
  client = anthropic(member.key);
  long = await longRunningPrompt(t);
});
afterAll(async () => {
  await t?.close();
});

const user = (content: string) => [{ role: "user" as const, content }];
const noSampling = { temperature: 1, topP: 1, stop: [] };
/**
 * `params` at temperature 0 (greedy, reproducible). The SDK's types no longer list
 * `temperature`, but it sends what it is given, and the Messages API still takes it.
 */
const greedy = <T extends object>(params: T): T => ({ ...params, temperature: 0 });
const rowOf = (requestId: string): UsageRow => {
  const rows = usageRows(t.core, "request_id = ?", requestId);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

/** Raw POST with the member's key (or `headers`), for what the SDK would not send. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": member.key, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Parses an SSE body into its `event:` frames. */
function sseFrames(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((f) => f.trim().length > 0)
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

async function thrown(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}

describe("POST /v1/messages", () => {
  it("answers Anthropic's message object with exact usage, recorded as a messages row", async () => {
    const messages = user(`${plainText(12)} exact usage`);
    const count = await client.messages.countTokens({ model: "tiny", messages });
    const { data: msg, response } = await client.messages
      .create(greedy({ model: "tiny", max_tokens: 8, messages }))
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    expect(msg.id).toBe(`msg_${requestId.slice(4)}`);
    expect(msg).toMatchObject({ type: "message", role: "assistant", model: "tiny" });
    expect(msg.content).toHaveLength(1);
    expect(msg.content[0]!.type).toBe("text");
    expect(["end_turn", "max_tokens"]).toContain(msg.stop_reason);
    expect(msg.stop_sequence).toBeNull();

    const row = rowOf(requestId);
    expect(row).toMatchObject({
      endpoint: "messages",
      member_id: member.id,
      state: "settled",
      outcome: "ok",
      usage_source: "engine",
      estimated: 0,
      stream: 0,
    });
    // Anthropic's total input is input + cache reads: exactly what count_tokens answered and
    // what the ledger recorded; the cached part is the row's cached_tokens.
    const u = msg.usage;
    expect(u.input_tokens + u.cache_read_input_tokens!).toBe(count.input_tokens);
    expect(row.prompt_tokens).toBe(count.input_tokens);
    expect(u.cache_read_input_tokens).toBe(row.cached_tokens);
    expect(u.cache_creation_input_tokens).toBe(0);
    expect(u.output_tokens).toBe(row.completion_tokens);
    expect(u.output_tokens).toBeGreaterThanOrEqual(1);
    expect(u.output_tokens).toBeLessThanOrEqual(8);
    if (msg.stop_reason === "max_tokens") expect(u.output_tokens).toBe(8);
  });

  it("counts 7 more plain bytes as 7 more input tokens, in count_tokens and in usage", async () => {
    const a = await client.messages.countTokens({ model: "tiny", messages: user(plainText(3)) });
    const b = await client.messages.countTokens({ model: "tiny", messages: user(plainText(10)) });
    expect(b.input_tokens - a.input_tokens).toBe(7);
    const msg = await client.messages.create({
      model: "tiny",
      max_tokens: 1,
      messages: user(plainText(10)),
    });
    expect(msg.usage.input_tokens + msg.usage.cache_read_input_tokens!).toBe(b.input_tokens);
  });

  it("honours max_tokens: stop_reason max_tokens with exactly that many output tokens", async () => {
    const msg = await client.messages.create(
      greedy({ model: "tiny", max_tokens: 3, messages: user(long) }),
    );
    expect(msg.stop_reason).toBe("max_tokens");
    expect(msg.usage.output_tokens).toBe(3);
  });

  it("fits a max_tokens above the local context (Claude Code sends 32000) to the room left", async () => {
    // The test server's context is 512 tokens per sequence: OpenAI's API refuses the same ask.
    const asked = { model: "tiny", max_tokens: 32_000, messages: user("hi") };
    const msg = await client.messages.create(greedy({ ...asked, stop_sequences: ["\u0000"] }));
    expect(["max_tokens", "end_turn", "stop_sequence"]).toContain(msg.stop_reason);
    expect(msg.usage.input_tokens + msg.usage.output_tokens).toBeLessThanOrEqual(512);
    if (msg.stop_reason === "max_tokens")
      expect(msg.usage.input_tokens + msg.usage.output_tokens).toBe(512);
    const openai = await member.openai.chat.completions
      .create({ model: "tiny", max_tokens: 32_000, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e as { status: number; code: string });
    expect(openai).toMatchObject({ status: 400, code: "context_length_exceeded" });
  });

  it("puts the system prompt first: input_tokens grow by its tokens", async () => {
    const messages = user(plainText(10));
    const count = async (system?: Anthropic.MessageCountTokensParams["system"]) =>
      (
        await client.messages.countTokens({
          model: "tiny",
          messages,
          ...(system !== undefined ? { system } : {}),
        })
      ).input_tokens;
    const none = await count();
    const s20 = await count(plainText(20));
    const s30 = await count(plainText(30));
    expect(s30 - s20).toBe(10);
    // The system text plus the template's framing of a system turn.
    expect(s20).toBeGreaterThan(none + 20);
    // Text blocks are joined with a blank line ("\n\n" is one token of the tiny vocabulary or
    // more, never less): as many tokens as the same text sent as one string.
    const blocks = await count([
      { type: "text", text: plainText(20) },
      { type: "text", text: plainText(10) },
    ]);
    expect(blocks).toBe(await count(`${plainText(20)}\n\n${plainText(10)}`));
    // The generation sees exactly the counted prompt.
    const msg = await client.messages.create({
      model: "tiny",
      max_tokens: 1,
      system: plainText(30),
      messages,
    });
    expect(msg.usage.input_tokens + msg.usage.cache_read_input_tokens!).toBe(s30);
  });

  it("joins a message's text blocks like the same text sent as a string", async () => {
    const asBlocks = await client.messages.countTokens({
      model: "tiny",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: plainText(5) },
            { type: "text", text: plainText(7) },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: "go on" },
      ],
    });
    const asString = await client.messages.countTokens({
      model: "tiny",
      messages: [
        { role: "user", content: `${plainText(5)}\n\n${plainText(7)}` },
        { role: "assistant", content: "ok" },
        { role: "user", content: "go on" },
      ],
    });
    expect(asBlocks.input_tokens).toBe(asString.input_tokens);
  });

  it("stops at a stop sequence: stop_reason stop_sequence, the sequence named, not in the text", async () => {
    // The random tiny model emits mostly non-ASCII bytes: find a greedy output with a printable
    // ASCII character (first seen at index ≥ 1) after only whole characters, to stop on it.
    let found: { params: Anthropic.MessageCreateParamsNonStreaming; text: string; at: number };
    for (let n = 0; ; n++) {
      expect(n, "no prompt among 20 gives a usable stop sequence").toBeLessThan(20);
      const params = greedy({ model: "tiny", max_tokens: 8, messages: user(`stop ${n}`) });
      const text = ((await client.messages.create(params)).content[0] as Anthropic.TextBlock).text;
      const at = [...text].findIndex(
        (c, i) => i >= 1 && /^[!-~]$/.test(c) && text.indexOf(c) === i,
      );
      if (at >= 1 && !text.slice(0, at).includes("\uFFFD")) {
        found = { params, text, at };
        break;
      }
    }
    const stop = found.text[found.at]!;
    const res = await client.messages.create({ ...found.params, stop_sequences: [stop] });
    expect(res.stop_reason).toBe("stop_sequence");
    expect(res.stop_sequence).toBe(stop);
    expect((res.content[0] as Anthropic.TextBlock).text).toBe(found.text.slice(0, found.at));
    // Without a matching sequence the same request ends as before.
    const other = await client.messages.create({
      ...found.params,
      stop_sequences: ["\u0001\u0002"],
    });
    expect((other.content[0] as Anthropic.TextBlock).text).toBe(found.text);
    expect(other.stop_sequence).toBeNull();
  });

  it("drops earlier thinking blocks, as Anthropic does", async () => {
    const withThinking = await client.messages.countTokens({
      model: "tiny",
      messages: [
        { role: "user", content: "a" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "b" },
          ],
        },
        { role: "user", content: "c" },
      ],
    });
    const without = await client.messages.countTokens({
      model: "tiny",
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "user", content: "c" },
      ],
    });
    expect(withThinking.input_tokens).toBe(without.input_tokens);
  });
});

describe("streaming /v1/messages", () => {
  it("streams Anthropic's events whose text and usage match the non-streamed answer", async () => {
    const params = greedy({ model: "tiny", max_tokens: 16, messages: user("stream me") });
    const whole = await client.messages.create(params);
    const count = await client.messages.countTokens({ model: "tiny", messages: params.messages });
    const { data: stream, response } = await client.messages
      .create({ ...params, stream: true })
      .withResponse();
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);

    const types = events.map((e) => e.type);
    const deltas = types.filter((x) => x === "content_block_delta").length;
    expect(types).toEqual([
      "message_start",
      "content_block_start",
      ...Array<string>(deltas).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const start = events[0] as Anthropic.RawMessageStartEvent;
    const requestId = response.headers.get("x-request-id")!;
    expect(start.message).toMatchObject({
      id: `msg_${requestId.slice(4)}`,
      type: "message",
      role: "assistant",
      model: "tiny",
      content: [],
      stop_reason: null,
      stop_sequence: null,
    });
    // Known at start: the whole prompt (input + cache reads); output 1, as Anthropic reports it.
    const su = start.message.usage;
    expect(su.input_tokens + su.cache_read_input_tokens!).toBe(count.input_tokens);
    expect(su.output_tokens).toBe(1);
    expect(events[1]).toMatchObject({ index: 0, content_block: { type: "text", text: "" } });

    let text = "";
    for (const e of events)
      if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
    expect(text).toBe((whole.content[0] as Anthropic.TextBlock).text);
    const delta = events.at(-2) as Anthropic.RawMessageDeltaEvent;
    expect(delta.delta.stop_reason).toBe(whole.stop_reason);
    expect(delta.delta.stop_sequence).toBeNull();
    expect(delta.usage.output_tokens).toBe(whole.usage.output_tokens);

    const row = rowOf(requestId);
    expect(row).toMatchObject({ endpoint: "messages", stream: 1, state: "settled", outcome: "ok" });
    expect(row.prompt_tokens).toBe(count.input_tokens);
    expect(row.completion_tokens).toBe(delta.usage.output_tokens);
  });

  it("works with the SDK's stream helper: finalMessage() equals the non-streamed message", async () => {
    const params = greedy({ model: "tiny", max_tokens: 12, messages: user("helper") });
    const whole = await client.messages.create(params);
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: "text" })]);
    expect((final.content[0] as Anthropic.TextBlock).text).toBe(
      (whole.content[0] as Anthropic.TextBlock).text,
    );
    expect(final.stop_reason).toBe(whole.stop_reason);
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
    expect(final.usage.input_tokens + final.usage.cache_read_input_tokens!).toBe(
      whole.usage.input_tokens + whole.usage.cache_read_input_tokens!,
    );
  });

  it("sends named SSE events with matching types, and ping events between them", async () => {
    const res = await post("/v1/messages", {
      model: "tiny",
      max_tokens: 100,
      temperature: 0,
      stream: true,
      messages: user(long),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = sseFrames(res.text);
    for (const f of frames) expect(f.data.type).toBe(f.event);
    const pings = frames.filter((f) => f.event === "ping");
    // One right after content_block_start (as Anthropic sends), more every heartbeat.
    expect(frames[2]!.event).toBe("ping");
    expect(pings.length).toBeGreaterThanOrEqual(2);
    const names = frames.filter((f) => f.event !== "ping").map((f) => f.event);
    expect(names[0]).toBe("message_start");
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const delta = frames.find((f) => f.event === "message_delta")!.data as {
      delta: { stop_reason: string };
      usage: { output_tokens: number };
    };
    // This prompt runs at least 64 tokens; how far beyond is the random model's choice.
    expect(delta.usage.output_tokens).toBeGreaterThanOrEqual(64);
    if (delta.delta.stop_reason === "max_tokens") expect(delta.usage.output_tokens).toBe(100);
    else expect(delta.delta.stop_reason).toBe("end_turn");
  });
});

describe("POST /v1/messages/count_tokens", () => {
  it("needs a key, writes nothing to the ledger, and knows only existing models", async () => {
    const before = usageRows(t.core).length;
    const ok = await client.messages.countTokens({ model: "tiny", messages: user("count me") });
    expect(ok.input_tokens).toBeGreaterThan(2);
    expect(usageRows(t.core).length).toBe(before);

    const noKey = await post("/v1/messages/count_tokens", {}, { "x-api-key": "" });
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.text)).toMatchObject({
      type: "error",
      error: { type: "authentication_error" },
    });
    const missing = await thrown(
      client.messages.countTokens({ model: "nope", messages: user("x") }),
    );
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.type).toBe("not_found_error");
  });

  it("is refused with 400 for a model whose provider cannot count", async () => {
    const remote: Provider = {
      id: "remote",
      listModels: async () => [{ id: "far", created: 0, ownedBy: "someone" }],
      hasModel: async (m) => m === "far",
      contextTokens: () => 1000,
      chat: () => {
        throw new Error("unused");
      },
      complete: () => {
        throw new Error("unused");
      },
      embed: () => Promise.reject(new Error("unused")),
    };
    const gateway = new Gateway({
      providers: [remote],
      ledger: t.core.ledger,
      log: pino({ level: "silent" }),
    });
    const err = await gateway
      .countTokens(
        { model: "far", messages: [{ role: "user", content: "x" }], sampling: noSampling },
        {
          requestId: "req_x",
          principal: { memberId: member.id, role: "member", keyId: member.keyId },
          signal: new AbortController().signal,
          receivedAtMs: Date.now(),
        },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: "unsupported_endpoint" });
  });
});

describe("errors on /v1/messages in Anthropic's shape", () => {
  it("a bad key is a 401 AuthenticationError, by Bearer (the SDK) or x-api-key", async () => {
    const err = await thrown(
      anthropic("btk_not_a_real_key").messages.create({
        model: "tiny",
        max_tokens: 1,
        messages: user("x"),
      }),
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.type).toBe("authentication_error");
    expect(err.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const raw = await post("/v1/messages", {}, { "x-api-key": "btk_wrong" });
    expect(raw.status).toBe(401);
    const body = JSON.parse(raw.text) as Record<string, unknown>;
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(body.request_id).toBe(raw.headers.get("x-request-id"));
    expect(raw.text).not.toContain("btk_wrong");
  });

  it("a missing max_tokens is a 400 BadRequestError naming it", async () => {
    const err = await thrown(
      client.messages.create({ model: "tiny", messages: user("x") } as never),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.type).toBe("invalid_request_error");
    expect(err.apiMessage).toMatch(/max_tokens/);
  });

  it("an unknown model is a 404 NotFoundError", async () => {
    const err = await thrown(
      client.messages.create({ model: "no-such-model", max_tokens: 1, messages: user("x") }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.type).toBe("not_found_error");
    expect(err.apiMessage).toMatch(/no-such-model/);
  });

  it("a model outside the member's allowed models is a 403 PermissionDeniedError", async () => {
    const limited = anthropic(t.addMember({ limits: { allowed_models: ["other"] } }).key);
    const err = await thrown(
      limited.messages.create({ model: "tiny", max_tokens: 1, messages: user("x") }),
    );
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.type).toBe("permission_error");
    const counted = await thrown(
      limited.messages.countTokens({ model: "tiny", messages: user("x") }),
    );
    expect(counted).toBeInstanceOf(PermissionDeniedError);
  });

  it("a member over a daily cap gets a 429 RateLimitError that says not to retry", async () => {
    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 1_000_000,
      output_micros_per_mtok: 1_000_000,
      billing_mode: "org",
    });
    try {
      const capped = t.addMember({ limits: { daily_cap_micros: 1 } });
      const err = await thrown(
        anthropic(capped.key).messages.create({
          model: "tiny",
          max_tokens: 8,
          messages: user("over the cap"),
        }),
      );
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err.type).toBe("rate_limit_error");
      expect(err.apiMessage).toMatch(/daily spend cap/);
      expect(err.headers?.get("x-should-retry")).toBe("false");
      expect(usageRows(t.core, "member_id = ?", capped.id)).toEqual([]);
    } finally {
      t.core.store.limits.setPrice({
        model: "tiny",
        input_micros_per_mtok: 0,
        output_micros_per_mtok: 0,
        billing_mode: "org",
      });
    }
  });

  it("images, a prefill and document blocks are refused with 400 (tools are served: engine tests)", async () => {
    const cases: Anthropic.MessageCreateParamsNonStreaming[] = [
      {
        model: "tiny",
        max_tokens: 1,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this?" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            ],
          },
        ],
      },
      {
        model: "tiny",
        max_tokens: 1,
        messages: [
          { role: "user", content: "weather?" },
          { role: "assistant", content: "It is" },
        ],
      },
      {
        model: "tiny",
        max_tokens: 1,
        messages: [
          {
            role: "user",
            content: [
              {
                type: "document",
                source: { type: "text", media_type: "text/plain", data: "a note" },
              },
            ],
          },
        ],
      },
    ];
    const before = usageRows(t.core, "member_id = ?", member.id).length;
    for (const params of cases) {
      const err = await thrown(client.messages.create(params));
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err.type).toBe("invalid_request_error");
      expect(err.apiMessage).toMatch(/not supported by (this model|local models) yet/);
    }
    const counted = await thrown(
      client.messages.countTokens({ model: "tiny", messages: cases[0]!.messages }),
    );
    expect(counted).toBeInstanceOf(BadRequestError);
    // Refused before admission: nothing reserved, nothing recorded.
    expect(usageRows(t.core, "member_id = ?", member.id)).toHaveLength(before);
  });

  it("body-parser failures, unknown URLs and bad fields take Anthropic's shape; /v1 keeps OpenAI's", async () => {
    const expectAnthropic = (r: { status: number; text: string }, status: number, type: string) => {
      expect(r.status).toBe(status);
      expect(JSON.parse(r.text)).toMatchObject({ type: "error", error: { type } });
    };
    expectAnthropic(await post("/v1/messages", "{not json"), 400, "invalid_request_error");
    expectAnthropic(await post("/v1/messages/count_tokens", "{"), 400, "invalid_request_error");
    expectAnthropic(await post("/v1/messages", ""), 400, "invalid_request_error");
    expectAnthropic(
      await post("/v1/messages", { model: "tiny", max_tokens: 1, messages: [] }),
      400,
      "invalid_request_error",
    );
    expectAnthropic(
      await post("/v1/messages", {
        model: "tiny",
        max_tokens: 1,
        messages: [{ role: "tool", content: "x" }],
      }),
      400,
      "invalid_request_error",
    );
    expectAnthropic(await post("/v1/messages/nope", {}), 404, "not_found_error");
    expectAnthropic(
      await post("/v1/messages", `{"model":"tiny","pad":"${"x".repeat(9 * 1024 * 1024)}"}`),
      413,
      "request_too_large",
    );
    // Claude Code calls `/v1/messages?beta=true`.
    expectAnthropic(await post("/v1/messages?beta=true", "{"), 400, "invalid_request_error");
    const openai = await post("/v1/chat/completions", "{not json");
    expect(openai.status).toBe(400);
    expect(JSON.parse(openai.text)).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("a failure after the stream started is an `event: error` the SDK raises", async () => {
    await t.core.engine.load("tiny");
    const pid = t.core.engine.supervisor.hostInfo!.pid;
    const stream = await client.messages.create(
      greedy({ model: "tiny", max_tokens: 400, stream: true as const, messages: user(long) }),
    );
    let deltas = 0;
    const err = await (async () => {
      for await (const e of stream)
        if (e.type === "content_block_delta" && ++deltas === 2) process.kill(pid, "SIGKILL");
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).type).toBe("overloaded_error");
    expect((err as APIError).apiMessage).toMatch(/engine host/i);
    const until = Date.now() + 20_000;
    while (t.core.engine.supervisor.state !== "running" && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
  });
});
