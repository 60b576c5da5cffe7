import type OpenAI from "openai";
import { BadRequestError, NotFoundError, RateLimitError } from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { canaries, leaked } from "../guard/gatewayCanaries.js";
import {
  CLAUDE_PRICE,
  costOf,
  GPT_PRICE,
  startToolPools,
  type ToolPools,
} from "../pools/toolPools.js";

/**
 * OpenAI's Responses API (what Codex CLI speaks), driven by the official `openai` SDK against the
 * real server: the local tiny model, an OpenAI-compatible pool (sent chat completions) and an
 * Anthropic pool, the same gateway as chat (usage rows, limits, guard), function calling, the
 * stream's events, stored responses and `previous_response_id`, and what is refused by name.
 */
let p: ToolPools;
let client: OpenAI;
beforeAll(async () => {
  p = await startToolPools();
  client = p.member.openai;
});
afterEach(() => p.reset());
afterAll(async () => {
  await p?.close();
});

async function thrown(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather in a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

/** The chat completions messages the OpenAI-compatible fake received last. */
const lastChatBody = () => p.oa.requests.at(-1)!.body as Record<string, unknown>;

describe("POST /v1/responses on the local model", () => {
  it("answers what chat completions answers, with the same usage, on a `responses` usage row", async () => {
    const chat = await client.chat.completions.create({
      model: "tiny",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello there" },
      ],
      max_tokens: 8,
      temperature: 0,
    });
    const { data, response } = await client.responses
      .create({
        model: "tiny",
        instructions: "Be brief.",
        input: "hello there",
        max_output_tokens: 8,
        temperature: 0,
        store: false,
      })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.id).toMatch(/^resp_/);
    expect(data.output_text).toBe(chat.choices[0]!.message.content);
    expect(data.status).toBe(
      chat.choices[0]!.finish_reason === "length" ? "incomplete" : "completed",
    );
    expect(data.usage).toEqual({
      input_tokens: chat.usage!.prompt_tokens,
      input_tokens_details: { cached_tokens: data.usage!.input_tokens_details.cached_tokens },
      output_tokens: chat.usage!.completion_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: chat.usage!.prompt_tokens + chat.usage!.completion_tokens,
    });
    const [row] = p.rowsOf(response.headers.get("x-request-id"));
    expect(row).toMatchObject({
      endpoint: "responses",
      requested_model: "tiny",
      provider: "local",
      state: "settled",
      prompt_tokens: chat.usage!.prompt_tokens,
      completion_tokens: chat.usage!.completion_tokens,
      cost_micros: 0,
      stream: 0,
    });
  });

  it("streams the Responses events in order, with the final usage", async () => {
    const params = {
      model: "tiny",
      input: "tell me a story",
      max_output_tokens: 12,
      temperature: 0,
      store: false,
    };
    const plain = await client.responses.create(params);
    const stream = client.responses.stream(params);
    const events: ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();

    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    const deltas = types.filter((x) => x === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThan(0);
    const last = plain.status === "completed" ? "response.completed" : "response.incomplete";
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array<string>(deltas).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      last,
    ]);
    const text = events
      .map((e) => (e.type === "response.output_text.delta" ? e.delta : ""))
      .join("");
    expect(text).toBe(plain.output_text);
    expect(final.output_text).toBe(plain.output_text);
    // The same counts; the second run reuses the first one's prompt from the model's cache.
    const counts = (u: OpenAI.Responses.ResponseUsage | undefined) => ({
      ...u,
      input_tokens_details: undefined,
    });
    expect(counts(final.usage)).toEqual(counts(plain.usage));
    const done = events.at(-1) as { response: OpenAI.Responses.Response };
    expect(done.response.usage).toEqual(final.usage);
    expect(done.response.output[0]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: plain.output_text }],
    });
  });

  it("follows a text.format json_schema: the output parses and validates", async () => {
    const res = await client.responses.create({
      model: "tiny",
      input: "answer with the schema",
      max_output_tokens: 60,
      temperature: 0,
      store: false,
      text: {
        format: {
          type: "json_schema",
          name: "answer",
          strict: true,
          schema: {
            type: "object",
            properties: { mood: { enum: ["happy", "sad", "curious"] }, ok: { type: "boolean" } },
            required: ["mood", "ok"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(res.status).toBe("completed");
    const value = JSON.parse(res.output_text) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(["mood", "ok"]);
    expect(["happy", "sad", "curious"]).toContain(value.mood);
    expect(typeof value.ok).toBe("boolean");
  });
});

describe("POST /v1/responses through pools", () => {
  it("an OpenAI-compatible pool is sent chat completions and billed from its usage", async () => {
    const { data, response } = await client.responses
      .create({ model: "gpt-pool", instructions: "Be brief.", input: "hi", store: false })
      .withResponse();
    expect(data.output_text).toBe("Hello from upstream");
    expect(data.status).toBe("completed");
    expect(data.usage).toEqual({
      input_tokens: 11,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 18,
    });
    expect(p.oa.requests).toHaveLength(1);
    expect(p.oa.requests[0]!.path).toBe("/v1/chat/completions");
    const sent = lastChatBody();
    expect(sent.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ]);
    expect(sent).not.toHaveProperty("input");
    expect(sent).not.toHaveProperty("instructions");
    expect(p.rowsOf(response.headers.get("x-request-id"))).toMatchObject([
      {
        endpoint: "responses",
        requested_model: "gpt-pool",
        state: "settled",
        prompt_tokens: 11,
        completion_tokens: 7,
        usage_source: "provider",
        cost_micros: costOf(GPT_PRICE, 11, 7),
      },
    ]);
  });

  it("an Anthropic pool gets the conversation translated and is billed from its usage", async () => {
    const { data, response } = await client.responses
      .create({
        model: "claude-pool",
        instructions: "Be brief.",
        input: [
          { role: "developer", content: "Answer in English." },
          { role: "user", content: "hi" },
        ],
        max_output_tokens: 50,
        store: false,
      })
      .withResponse();
    expect(data.output_text).toBe("Hello from upstream");
    expect(data.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, total_tokens: 18 });
    expect(p.an.requests[0]!.body).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(JSON.stringify((p.an.requests[0]!.body as { system: unknown }).system)).toContain(
      "Answer in English.",
    );
    expect(p.rowsOf(response.headers.get("x-request-id"))).toMatchObject([
      { endpoint: "responses", cost_micros: costOf(CLAUDE_PRICE, 11, 7) },
    ]);
  });

  it("an OpenAI-compatible pool gets text.format as response_format", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    await client.responses.create({
      model: "gpt-pool",
      input: "hi",
      store: false,
      text: { format: { type: "json_schema", name: "answer", schema, strict: true } },
    });
    expect(lastChatBody().response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "answer", schema, strict: true },
    });
  });

  it("a function-calling round trip: the call, then its output sent back, then the answer", async () => {
    p.oa.script({
      kind: "ok",
      toolCall: { id: "call_w1", name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    const first = await client.responses.create({
      model: "gpt-pool",
      input: "Weather in Paris?",
      tools: [weather],
      tool_choice: "auto",
      parallel_tool_calls: false,
      store: false,
    });
    expect(first.output).toEqual([
      expect.objectContaining({
        type: "function_call",
        call_id: "call_w1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
        status: "completed",
      }),
    ]);
    expect(lastChatBody()).toMatchObject({
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather in a city",
            parameters: weather.parameters,
            strict: true,
          },
        },
      ],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });

    p.oa.script({ kind: "ok", text: "Sunny in Paris." });
    const second = await client.responses.create({
      model: "gpt-pool",
      input: [
        { role: "user", content: "Weather in Paris?" },
        ...(first.output as OpenAI.Responses.ResponseFunctionToolCall[]),
        { type: "function_call_output", call_id: "call_w1", output: "sunny, 24 C" },
      ],
      tools: [weather],
      store: false,
    });
    expect(second.output_text).toBe("Sunny in Paris.");
    expect(lastChatBody().messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_w1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_w1", content: "sunny, 24 C" },
    ]);
  });

  it("streams a function call as function_call_arguments deltas", async () => {
    p.oa.script({
      kind: "ok",
      toolCall: { id: "call_s1", name: "get_weather", arguments: '{"city":"Oslo"}' },
    });
    const stream = client.responses.stream({
      model: "gpt-pool",
      input: "Weather in Oslo?",
      tools: [weather],
      store: false,
    });
    const types: string[] = [];
    let args = "";
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "response.function_call_arguments.delta") args += e.delta;
    }
    const final = await stream.finalResponse();
    expect(args).toBe('{"city":"Oslo"}');
    expect(types[0]).toBe("response.created");
    expect(types.slice(-3)).toEqual([
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(final.output).toEqual([
      expect.objectContaining({
        type: "function_call",
        call_id: "call_s1",
        arguments: '{"city":"Oslo"}',
      }),
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it("a failure mid-stream is an `error` event, then response.failed; nothing is stored", async () => {
    p.oa.script({ kind: "drop_mid_stream", afterChunks: 2 });
    // Raw SSE: the SDK's stream helper stops at the `error` event (it raises it).
    const res = await fetch(`${p.t.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.member.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-pool", input: "hi", stream: true }),
    });
    const frames = (await res.text())
      .split("\n\n")
      .filter((f) => f.startsWith("event: "))
      .map((f) => {
        const [event, data] = f.split("\n");
        return {
          event: event!.slice(7),
          data: JSON.parse(data!.slice(6)) as Record<string, unknown>,
        };
      });
    expect(frames.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "error",
      "response.failed",
    ]);
    expect(frames.map((f) => f.data.type)).toEqual(frames.map((f) => f.event));
    const error = frames[6]!.data;
    const failed = frames[7]!.data.response as OpenAI.Responses.Response;
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: error.code, message: error.message });
    expect(await thrown(client.responses.retrieve(failed.id))).toBeInstanceOf(NotFoundError);
  });

  it("applies the member's limits: over a daily cap is a 429, nothing recorded", async () => {
    const capped = p.t.addMember({ limits: { daily_cap_micros: 1 } });
    const err = await thrown(
      capped.openai.responses.create({ model: "gpt-pool", input: "hi", store: false }),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    expect(p.oa.requests).toHaveLength(0);
  });

  it("applies the guard: a secret in the input never reaches the upstream", async () => {
    const secret = canaries().find((c) => c.kind === "github")!;
    const { response } = await client.responses
      .create({
        model: "gpt-pool",
        input: [
          { role: "user", content: [{ type: "input_text", text: `my token: ${secret.text}` }] },
        ],
        store: false,
      })
      .withResponse();
    expect(p.oa.requests).toHaveLength(1);
    expect(leaked(p.oa.requests[0]!.raw, [secret])).toEqual([]);
    expect(response.headers.get("x-benchtop-guard")).toMatch(/^secrets=redacted:1/);
  });
});

describe("stored responses", () => {
  it("previous_response_id continues a stored conversation (without its instructions)", async () => {
    const first = await client.responses.create({
      model: "gpt-pool",
      instructions: "Be brief.",
      input: "My name is Ada.",
    });
    expect((first as unknown as { store: boolean }).store).toBe(true);
    p.oa.script({ kind: "ok", text: "Your name is Ada." });
    const second = await client.responses.create({
      model: "gpt-pool",
      previous_response_id: first.id,
      input: "What is my name?",
    });
    expect(second.output_text).toBe("Your name is Ada.");
    expect(second.previous_response_id).toBe(first.id);
    expect(lastChatBody().messages).toEqual([
      { role: "user", content: "My name is Ada." },
      { role: "assistant", content: "Hello from upstream" },
      { role: "user", content: "What is my name?" },
    ]);
    // A third turn continues the second, which holds the whole conversation.
    await client.responses.create({
      model: "gpt-pool",
      previous_response_id: second.id,
      input: "Thanks.",
    });
    expect((lastChatBody().messages as unknown[]).length).toBe(5);

    const got = await client.responses.retrieve(first.id);
    expect(got).toMatchObject({
      id: first.id,
      output_text: "Hello from upstream",
      status: "completed",
    });
    expect(got.usage).toEqual(first.usage);
  });

  it("is private: another member's id is a 404, for GET, DELETE and previous_response_id", async () => {
    const mine = await client.responses.create({ model: "gpt-pool", input: "secret plans" });
    const other = p.t.addMember().openai;
    for (const call of [
      other.responses.retrieve(mine.id),
      other.responses.delete(mine.id),
      other.responses.create({ model: "gpt-pool", previous_response_id: mine.id, input: "go on" }),
    ]) {
      const err = await thrown(call);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.code).toBe("response_not_found");
    }
    // Still there for its author.
    expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it("store: false is not retrievable; DELETE removes a stored one", async () => {
    const unstored = await client.responses.create({ model: "gpt-pool", input: "x", store: false });
    expect((unstored as unknown as { store: boolean }).store).toBe(false);
    expect(await thrown(client.responses.retrieve(unstored.id))).toBeInstanceOf(NotFoundError);

    const stored = await client.responses.create({ model: "gpt-pool", input: "y" });
    const res = await fetch(`${p.t.url}/v1/responses/${stored.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${p.member.key}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: stored.id, object: "response", deleted: true });
    expect(await thrown(client.responses.retrieve(stored.id))).toBeInstanceOf(NotFoundError);
    expect(await thrown(client.responses.delete(stored.id))).toBeInstanceOf(NotFoundError);
    const err = await thrown(
      client.responses.create({ model: "gpt-pool", previous_response_id: stored.id, input: "z" }),
    );
    expect(err).toMatchObject({ status: 404, param: "previous_response_id" });
  });

  it("a streamed response is stored before response.completed is sent", async () => {
    const stream = client.responses.stream({ model: "gpt-pool", input: "stream me" });
    let id = "";
    for await (const e of stream) {
      if (e.type === "response.completed") {
        id = e.response.id;
        // The client may continue at once: the response is already stored.
        expect((await client.responses.retrieve(id)).output_text).toBe("Hello from upstream");
      }
    }
    expect(id).toMatch(/^resp_/);
  });
});

describe("what is refused or ignored", () => {
  const refusal = async (body: Record<string, unknown>) => {
    const err = await thrown(
      client.responses.create({ model: "gpt-pool", input: "hi", store: false, ...body } as never),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    return { param: err.param, code: err.code };
  };

  it("refuses built-in tools, reasoning items, background mode and logprobs by name", async () => {
    expect(await refusal({ tools: [{ type: "web_search" }] })).toEqual({
      param: "tools[0].type",
      code: "unsupported_parameter",
    });
    expect(
      await refusal({
        tools: [weather, { type: "code_interpreter", container: { type: "auto" } }],
      }),
    ).toEqual({
      param: "tools[1].type",
      code: "unsupported_parameter",
    });
    expect(
      await refusal({
        input: [
          { type: "reasoning", id: "rs_1", summary: [] },
          { role: "user", content: "hi" },
        ],
      }),
    ).toEqual({ param: "input[0].type", code: "unsupported_content" });
    expect(await refusal({ background: true })).toEqual({
      param: "background",
      code: "unsupported_parameter",
    });
    expect(await refusal({ include: ["message.output_text.logprobs"] })).toEqual({
      param: "include[0]",
      code: "unsupported_parameter",
    });
    expect(await refusal({ truncation: "auto" })).toEqual({
      param: "truncation",
      code: "unsupported_parameter",
    });
    expect(await refusal({ tool_choice: { type: "web_search_preview" } })).toEqual({
      param: "tool_choice",
      code: "unsupported_parameter",
    });
    // Nothing was sent anywhere, nothing admitted.
    expect(p.oa.requests).toHaveLength(0);
  });

  it("refuses text.format on an Anthropic pool rather than dropping it", async () => {
    const err = await thrown(
      client.responses.create({
        model: "claude-pool",
        input: "hi",
        store: false,
        text: { format: { type: "json_object" } },
      }),
    );
    expect(err).toMatchObject({ status: 400, param: "text.format", code: "unsupported_parameter" });
    expect(p.an.requests).toHaveLength(0);
  });

  it("takes a Codex-shaped request: reasoning and include are ignored and said so", async () => {
    const { data, response } = await client.responses
      .create({
        model: "gpt-pool",
        instructions: "You are a coding agent.",
        input: [
          {
            type: "message",
            role: "developer",
            content: [{ type: "input_text", text: "Sandbox: read-only." }],
          },
          { type: "message", role: "user", content: [{ type: "input_text", text: "list files" }] },
        ],
        tools: [weather],
        tool_choice: "auto",
        parallel_tool_calls: false,
        reasoning: { effort: "medium", summary: "auto" },
        store: false,
        stream: false,
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: "codex-session-1",
      })
      .withResponse();
    expect(data.output_text).toBe("Hello from upstream");
    expect(response.headers.get("x-benchtop-ignored")).toBe("reasoning, include");
    expect(lastChatBody()).toMatchObject({
      messages: [
        { role: "system", content: "You are a coding agent." },
        { role: "system", content: "Sandbox: read-only." },
        { role: "user", content: "list files" },
      ],
      parallel_tool_calls: false,
    });
    expect(lastChatBody()).not.toHaveProperty("reasoning");
  });
});
