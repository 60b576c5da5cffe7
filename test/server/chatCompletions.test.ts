import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  longRunningPrompt,
  plainText,
  startTestServer,
  type TestServer,
} from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const user = (content: string) => [{ role: "user" as const, content }];

describe("POST /v1/chat/completions", () => {
  it("answers in the OpenAI shape with exact usage", async () => {
    const res = await t.openai.chat.completions.create({
      model: "tiny",
      messages: user("hi"),
      max_tokens: 8,
      temperature: 0,
    });
    expect(res.object).toBe("chat.completion");
    expect(res.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(res.model).toBe("tiny");
    expect(res.choices).toHaveLength(1);
    const choice = res.choices[0]!;
    expect(choice.message.role).toBe("assistant");
    expect(typeof choice.message.content).toBe("string");
    expect(["stop", "length"]).toContain(choice.finish_reason);
    const usage = res.usage!;
    expect(usage.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(usage.completion_tokens).toBeLessThanOrEqual(8);
    if (choice.finish_reason === "length") expect(usage.completion_tokens).toBe(8);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it("counts prompt tokens exactly: 7 more plain bytes are 7 more tokens", async () => {
    const a = await t.openai.chat.completions.create({
      model: "tiny",
      messages: user(plainText(3)),
      max_tokens: 1,
    });
    const b = await t.openai.chat.completions.create({
      model: "tiny",
      messages: user(plainText(10)),
      max_tokens: 1,
    });
    expect(b.usage!.prompt_tokens - a.usage!.prompt_tokens).toBe(7);
    // A system message adds its text plus the ChatML framing, never less than its bytes.
    const c = await t.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "system", content: plainText(20) }, ...user(plainText(10))],
      max_tokens: 1,
    });
    expect(c.usage!.prompt_tokens).toBeGreaterThan(b.usage!.prompt_tokens + 20);
  });

  it("streams chunks whose text and usage match the non-streamed answer (same seed, greedy)", async () => {
    const params = {
      model: "tiny",
      messages: user("stream me"),
      max_tokens: 12,
      temperature: 0,
      seed: 7,
    };
    const whole = await t.openai.chat.completions.create(params);
    const stream = await t.openai.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    for (const c of chunks) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.id).toBe(chunks[0]!.id);
    }
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({
      prompt_tokens: whole.usage!.prompt_tokens,
      completion_tokens: whole.usage!.completion_tokens,
      total_tokens: whole.usage!.total_tokens,
    });
    // Every earlier chunk carries usage: null (OpenAI's include_usage contract).
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    const finish = chunks.at(-2)!.choices[0]!;
    expect(finish.finish_reason).toBe(whole.choices[0]!.finish_reason);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it("omits usage from chunks when include_usage is not set", async () => {
    const stream = await t.openai.chat.completions.create({
      model: "tiny",
      messages: user("x"),
      max_tokens: 3,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const c of chunks) {
      expect(c.usage).toBeUndefined();
      expect(c.choices).toHaveLength(1);
    }
    expect(chunks.at(-1)!.choices[0]!.finish_reason).not.toBeNull();
  });

  it("accepts max_completion_tokens and caps generation by it", async () => {
    // A prompt the model keeps generating for: without the cap it would run past 2 tokens.
    const content = await longRunningPrompt(t);
    const res = await t.openai.chat.completions.create({
      model: "tiny",
      messages: user(content),
      max_completion_tokens: 2,
      temperature: 0,
    });
    expect(res.usage!.completion_tokens).toBe(2);
    expect(res.choices[0]!.finish_reason).toBe("length");
  });

  it("is reproducible with a seed at temperature > 0", async () => {
    const params = {
      model: "tiny",
      messages: user("seeded"),
      max_tokens: 10,
      temperature: 1,
      seed: 1234,
    };
    const a = await t.openai.chat.completions.create(params);
    const b = await t.openai.chat.completions.create(params);
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
  });

  it("never emits a stop sequence", async () => {
    // A JSON grammar makes the random model's output printable ASCII with a known shape:
    // stopping on the first quote must return exactly the text before it.
    const params = {
      model: "tiny",
      messages: user("stop test"),
      max_tokens: 40,
      temperature: 0,
      response_format: {
        type: "json_schema" as const,
        json_schema: {
          name: "mood",
          schema: {
            type: "object",
            properties: { mood: { enum: ["happy", "sad"] } },
            required: ["mood"],
          },
        },
      },
    };
    const base = await t.openai.chat.completions.create(params);
    const text = base.choices[0]!.message.content ?? "";
    const quote = text.indexOf('"');
    expect(quote).toBeGreaterThan(0);
    const res = await t.openai.chat.completions.create({ ...params, stop: ['"'] });
    // JSON grammars trim trailing whitespace from the response (node-llama-cpp's
    // `trimWhitespaceSuffix` for JSON), so what precedes the stop ends without it.
    expect(res.choices[0]!.message.content).toBe(text.slice(0, quote).trimEnd());
    expect(res.choices[0]!.finish_reason).toBe("stop");
  });

  it("enforces response_format json_object with a grammar: the output parses", async () => {
    let parsed = 0;
    for (const seed of [1, 2, 3]) {
      const res = await t.openai.chat.completions.create({
        model: "tiny",
        messages: user("give me json"),
        max_tokens: 200,
        seed,
        response_format: { type: "json_object" },
      });
      if (res.choices[0]!.finish_reason !== "stop") continue; // cut by max_tokens mid-object
      expect(() => JSON.parse(res.choices[0]!.message.content!)).not.toThrow();
      expect(typeof JSON.parse(res.choices[0]!.message.content!)).toBe("object");
      parsed++;
    }
    // Not every run may be cut by max_tokens: at least one finished object must have parsed.
    expect(parsed).toBeGreaterThanOrEqual(1);
  });

  it("enforces response_format json_schema: the output validates against the schema", async () => {
    const schema = {
      type: "object",
      properties: {
        mood: { enum: ["happy", "sad", "curious"] },
        ok: { type: "boolean" },
      },
      required: ["mood", "ok"],
      additionalProperties: false,
    };
    for (const seed of [1, 2, 3]) {
      const res = await t.openai.chat.completions.create({
        model: "tiny",
        messages: user("answer with the schema"),
        max_tokens: 60,
        seed,
        response_format: {
          type: "json_schema",
          json_schema: { name: "answer", schema, strict: true },
        },
      });
      expect(res.choices[0]!.finish_reason).toBe("stop");
      const value = JSON.parse(res.choices[0]!.message.content!) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(["mood", "ok"]);
      expect(["happy", "sad", "curious"]).toContain(value.mood);
      expect(typeof value.ok).toBe("boolean");
    }
  });

  it("reuses the cached prefix of a conversation's previous turn", async () => {
    const first = user(`${plainText(60)} first turn`);
    const a = await t.openai.chat.completions.create({
      model: "tiny",
      messages: first,
      max_tokens: 4,
      temperature: 0,
    });
    const followUp = [
      ...first,
      { role: "assistant" as const, content: a.choices[0]!.message.content ?? "" },
      { role: "user" as const, content: "and again" },
    ];
    const b = await t.openai.chat.completions.create({
      model: "tiny",
      messages: followUp,
      max_tokens: 2,
    });
    const cached = b.usage!.prompt_tokens_details!.cached_tokens!;
    expect(cached).toBeGreaterThanOrEqual(60);
    expect(cached).toBeLessThan(b.usage!.prompt_tokens);
  });

  it("sets x-request-id on every response, success or error", async () => {
    const ok = await t.openai.chat.completions
      .create({ model: "tiny", messages: user("id"), max_tokens: 1 })
      .withResponse();
    expect(ok.response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{24}$/);
    expect(ok.data.id).toBe(`chatcmpl-${ok.response.headers.get("x-request-id")!.slice(4)}`);
    const bad = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      body: "{",
      headers: t.auth,
    });
    expect(bad.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{24}$/);
    const health = await fetch(`${t.url}/health`);
    expect(health.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
