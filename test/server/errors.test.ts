import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainText, startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  // contextSize 512 tokens per sequence; body limit 64 KiB so 413 is cheap to reach.
  t = await startTestServer({ server: { bodyLimitBytes: 64 * 1024 } });
});
afterAll(async () => {
  await t?.close();
});

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...t.auth, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text) as { error: Record<string, unknown> },
  };
}

const chat = (extra: object) => ({
  model: "tiny",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});

describe("errors in the OpenAI shape", () => {
  it("malformed JSON → 400 invalid_json", async () => {
    const r = await post("/v1/chat/completions", '{"model": "tiny", "messages": [');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: {
        message: expect.stringContaining("could not parse the JSON body"),
        type: "invalid_request_error",
        param: null,
        code: "invalid_json",
      },
    });
  });

  it("invalid field → 400 naming the param", async () => {
    const r = await post("/v1/chat/completions", chat({ temperature: "hot" }));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      type: "invalid_request_error",
      param: "temperature",
      code: "invalid_value",
    });
    const role = await post("/v1/chat/completions", {
      model: "tiny",
      messages: [{ role: "wizard", content: "x" }],
    });
    expect(role.status).toBe(400);
    expect(role.body.error.param).toBe("messages[0].role");
  });

  it("missing field → 400 missing_required_parameter", async () => {
    const r = await post("/v1/chat/completions", { model: "tiny" });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ param: "messages", code: "missing_required_parameter" });
  });

  it("negative and huge max_tokens → 400 on max_tokens", async () => {
    for (const max_tokens of [-1, 0, 1.5, 1e308]) {
      const r = await post("/v1/chat/completions", chat({ max_tokens }));
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe("max_tokens");
    }
  });

  it("unknown model → 404 model_not_found through the SDK", async () => {
    const err = await t.openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).param).toBe("model");
    const model = await fetch(`${t.url}/v1/models/no-such-model`, { headers: t.auth });
    expect(model.status).toBe(404);
    expect(((await model.json()) as { error: { code: string } }).error.code).toBe(
      "model_not_found",
    );
  });

  it("prompt + max_tokens over the context → 400 context_length_exceeded", async () => {
    const err = await t.openai.chat.completions
      .create({
        model: "tiny",
        messages: [{ role: "user", content: plainText(100) }],
        max_tokens: 500,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      "context_length_exceeded",
    );
    // The prompt alone over the context, with no max_tokens, is refused too.
    const r = await post(
      "/v1/chat/completions",
      chat({ messages: [{ role: "user", content: plainText(600) }] }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("context_length_exceeded");
    // Streaming requests fail before the stream starts: a JSON error, not SSE.
    const s = await post("/v1/chat/completions", chat({ max_tokens: 100_000, stream: true }));
    expect(s.status).toBe(400);
    expect(s.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("body over the size limit → 413 request_too_large", async () => {
    const r = await post(
      "/v1/chat/completions",
      chat({ messages: [{ role: "user", content: "x".repeat(70_000) }] }),
    );
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "request_too_large",
    });
  });

  it("n > 1 → 400 on n", async () => {
    const r = await post("/v1/chat/completions", chat({ n: 2 }));
    expect(r.status).toBe(400);
    expect(r.body.error.param).toBe("n");
    const ok = await post("/v1/chat/completions", chat({ n: 1, max_tokens: 1 }));
    expect(ok.status).toBe(200);
  });

  it("images are refused clearly by local models, not ignored (tools are served: engine tests)", async () => {
    const image = await post("/v1/chat/completions", {
      model: "tiny",
      messages: [
        {
          role: "user",
          content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
        },
      ],
    });
    expect(image.status).toBe(400);
    expect(image.body.error).toMatchObject({
      type: "invalid_request_error",
      param: "messages[0].content[0]",
      code: "unsupported_content",
    });
  });

  it("a JSON schema the grammar compiler cannot handle → 400 invalid_json_schema", async () => {
    const r = await post(
      "/v1/chat/completions",
      chat({
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "bad",
            schema: { type: "object", properties: { a: { type: "no-such-type" } } },
          },
        },
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ param: "response_format", code: "invalid_json_schema" });
  });

  it("unknown URL → 404 in the OpenAI shape", async () => {
    const r = await post("/v1/nope", {});
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ type: "invalid_request_error", code: "unknown_url" });
  });
});
