import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthDto, ModelListDto } from "../../src-main/contract/index.js";
import { plainText, startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe("GET /health and /v1/models", () => {
  it("health needs no key and says nothing private", async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", engine: { restarts: 0 } });
    expect(Object.keys(body).sort()).toEqual([
      "engine",
      "models",
      "status",
      "storage",
      "uptime_s",
      "version",
    ]);
    // Whether the disks take writes: coarse states and counts, nothing private.
    expect(body.storage).toEqual({
      state: "ok",
      since_ms: null,
      pending_writes: 0,
      log: "ok",
      dropped_log_lines: 0,
    });
    // The renderer reads these through the shared contract: the server must satisfy it.
    expect(HealthDto.safeParse(body).success).toBe(true);
    expect(body.version).toBe(JSON.parse(fs.readFileSync("package.json", "utf8")).version);
  });

  it("lists every .gguf in the models dir under its file name", async () => {
    const raw = await (await fetch(`${t.url}/v1/models`, { headers: t.auth })).json();
    expect(ModelListDto.safeParse(raw).success).toBe(true);
    const list = await t.openai.models.list();
    // `auto` routes to the first local model with nothing configured (docs/ROUTING.md).
    expect(list.data.map((m) => m.id)).toEqual(["auto", "tiny"]);
    expect(list.data[1]).toMatchObject({ id: "tiny", object: "model", owned_by: "benchtop" });
    const one = await t.openai.models.retrieve("tiny");
    expect(one).toMatchObject({ id: "tiny", object: "model", owned_by: "benchtop" });
    expect(one.created).toBe(list.data[1]!.created);
  });
});

describe("POST /v1/completions", () => {
  it("completes text with exact prompt usage", async () => {
    const res = await t.openai.completions.create({
      model: "tiny",
      prompt: plainText(9),
      max_tokens: 5,
      temperature: 0,
    });
    expect(res.object).toBe("text_completion");
    expect(res.id).toMatch(/^cmpl-/);
    expect(res.choices).toHaveLength(1);
    expect(res.usage!.prompt_tokens).toBe(9);
    // node-llama-cpp 3.22.1's LlamaCompletion samples one token past maxTokens when the limit
    // lands inside a multi-byte character (it skips its limit check for a partial UTF-8
    // token). Benchtop reports the tokens actually sampled, so usage may read max + 1 here.
    expect(res.usage!.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(5 + 1);
    expect(res.usage!.total_tokens).toBe(9 + res.usage!.completion_tokens);
  });

  it("defaults max_tokens to 16 like OpenAI", async () => {
    const res = await t.openai.completions.create({ model: "tiny", prompt: "2", temperature: 0 });
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(16 + 1); // see the note above
  });

  it("accepts a token-id prompt and refuses ids outside the vocabulary", async () => {
    const res = await t.openai.completions.create({
      model: "tiny",
      prompt: [49, 50, 51],
      max_tokens: 2,
    });
    expect(res.usage!.prompt_tokens).toBe(3);
    const bad = await fetch(`${t.url}/v1/completions`, {
      method: "POST",
      headers: t.auth,
      body: JSON.stringify({ model: "tiny", prompt: [1, 999_999], max_tokens: 2 }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /vocabulary/,
    );
  });

  it("echo prepends the prompt; streaming matches the non-streamed text", async () => {
    const params = { model: "tiny", prompt: "abc", max_tokens: 6, temperature: 0, echo: true };
    const whole = await t.openai.completions.create(params);
    expect(whole.choices[0]!.text.startsWith("abc")).toBe(true);
    const stream = await t.openai.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(usage).toMatchObject({
      prompt_tokens: whole.usage!.prompt_tokens,
      completion_tokens: whole.usage!.completion_tokens,
    });
  });
});

describe("POST /v1/embeddings", () => {
  it("returns float vectors of the model's width, one per input, with usage", async () => {
    const res = await fetch(`${t.url}/v1/embeddings`, {
      method: "POST",
      headers: t.auth,
      body: JSON.stringify({
        model: "tiny",
        input: [plainText(4), plainText(6)],
        encoding_format: "float",
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: { index: number; embedding: number[]; object: string }[];
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of body.data) {
      expect(d.object).toBe("embedding");
      expect(d.embedding).toHaveLength(64);
      expect(d.embedding.every(Number.isFinite)).toBe(true);
    }
    expect(body.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
  });

  it("base64 (the SDK's default) decodes to the same vector as float", async () => {
    const viaSdk = await t.openai.embeddings.create({ model: "tiny", input: "same text" });
    const float = await t.openai.embeddings.create({
      model: "tiny",
      input: "same text",
      encoding_format: "float",
    });
    const a = viaSdk.data[0]!.embedding;
    const b = float.data[0]!.embedding;
    expect(a).toHaveLength(64);
    // base64 carries float32; the float path carries the same float32 values as JSON numbers.
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
  });

  it("refuses a dimensions value the model cannot produce", async () => {
    const res = await fetch(`${t.url}/v1/embeddings`, {
      method: "POST",
      headers: t.auth,
      body: JSON.stringify({ model: "tiny", input: "x", dimensions: 32 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("dimensions");
  });
});
