import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ server: { bodyLimitBytes: 256 * 1024 } });
});
afterAll(async () => {
  await t?.close();
});

interface RawResponse {
  status: number;
  body: string;
}

/** Sends raw bytes with any headers (fetch would refuse some of these). */
function send(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(path, t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { "content-type": "application/json", ...t.auth, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const nest = (depth: number, open: string, close: string) =>
  open.repeat(depth) + close.repeat(depth);

const base = { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 1 };
const paths = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"];

/** 200+ malformed or hostile bodies: wrong types, huge numbers, deep nesting, bad bytes. */
function hostileBodies(): {
  name: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}[] {
  const out: { name: string; body: Buffer | string; headers?: Record<string, string> }[] = [];
  const values: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    1.5,
    "",
    "x",
    [],
    {},
    [[]],
    [{}],
    { a: 1 },
    "🙂",
    "\u0000",
    Number.MAX_SAFE_INTEGER + 2,
    "9".repeat(400),
    [null],
    [1, "a", null],
  ];
  const fields = [
    "model",
    "messages",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "n",
    "stream",
    "stream_options",
    "response_format",
    "prompt",
    "input",
    "encoding_format",
    "dimensions",
    "tools",
  ];
  // Every field set to every wrong-ish value (field × value), on chat completions.
  for (const field of fields) {
    for (const value of values)
      out.push({
        name: `${field}=${JSON.stringify(value)}`,
        body: JSON.stringify({ ...base, [field]: value }),
      });
  }
  out.push(
    { name: "deep arrays", body: nest(100_000, "[", "]") },
    { name: "deep objects", body: nest(50_000, '{"a":', "}").replace(/}$/, "1}") },
    { name: "deep messages", body: `{"model":"tiny","messages":${nest(5000, "[", "]")}}` },
    {
      name: "deep content",
      body: `{"model":"tiny","messages":[{"role":"user","content":${nest(20_000, "[", "]")}}]}`,
    },
    {
      name: "invalid utf-8",
      body: Buffer.concat([
        Buffer.from('{"model":"tiny","messages":[{"role":"user","content":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from('"}],"max_tokens":1}'),
      ]),
    },
    {
      name: "lone surrogate",
      body: '{"model":"tiny","messages":[{"role":"user","content":"\\ud800"}],"max_tokens":1}',
    },
    { name: "nul bytes", body: Buffer.from([0, 0, 0, 0]) },
    { name: "empty", body: "" },
    { name: "whitespace", body: "   \n " },
    { name: "truncated", body: JSON.stringify(base).slice(0, 20) },
    { name: "trailing garbage", body: `${JSON.stringify(base)} }` },
    { name: "top-level string", body: '"hello"' },
    { name: "top-level number", body: "42" },
    { name: "top-level null", body: "null" },
    { name: "top-level array", body: "[1,2,3]" },
    {
      name: "__proto__ pollution",
      body: '{"__proto__":{"polluted":true},"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":1}',
    },
    {
      name: "constructor pollution",
      body: '{"constructor":{"prototype":{"polluted":true}},"model":"tiny"}',
    },
    {
      name: "form encoded",
      body: "model=tiny&messages=hi",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    },
    {
      name: "multipart",
      body: "--x\r\nContent-Disposition: form-data; name=model\r\n\r\ntiny\r\n--x--",
      headers: { "content-type": "multipart/form-data; boundary=x" },
    },
    {
      name: "text/plain json",
      body: JSON.stringify(base),
      headers: { "content-type": "text/plain" },
    },
    {
      name: "latin1 charset",
      body: JSON.stringify(base),
      headers: { "content-type": "application/json; charset=latin1" },
    },
    { name: "gzip lie", body: JSON.stringify(base), headers: { "content-encoding": "gzip" } },
    {
      name: "unknown encoding",
      body: JSON.stringify(base),
      headers: { "content-encoding": "br2" },
    },
    { name: "over the size limit", body: JSON.stringify({ ...base, pad: "x".repeat(300 * 1024) }) },
    { name: "negative max_tokens", body: JSON.stringify({ ...base, max_tokens: -100 }) },
    { name: "huge max_tokens", body: JSON.stringify({ ...base, max_tokens: 1e15 }) },
    {
      name: "10k messages",
      body: JSON.stringify({
        ...base,
        messages: Array(10_000).fill({ role: "user", content: "a" }),
      }),
    },
    {
      name: "token prompt out of range",
      body: JSON.stringify({ model: "tiny", prompt: [-1, 2 ** 40], max_tokens: 1 }),
    },
    {
      name: "embedding tokens out of range",
      body: JSON.stringify({ model: "tiny", input: [[1e12]] }),
    },
    {
      name: "json_schema garbage",
      body: JSON.stringify({
        ...base,
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { type: ["object", 5], properties: 3 } },
        },
      }),
    },
  );
  return out;
}

describe("hostile and malformed bodies", () => {
  it("never produce a 5xx, always produce an OpenAI error body, and the server stays up", async () => {
    const bodies = hostileBodies();
    expect(bodies.length).toBeGreaterThanOrEqual(200);
    const failures: string[] = [];
    for (const [i, b] of bodies.entries()) {
      const res = await send(paths[i % paths.length]!, b.body, b.headers);
      if (res.status >= 500) failures.push(`${b.name}: ${res.status} ${res.body.slice(0, 200)}`);
      if (res.status >= 400) {
        const parsed = JSON.parse(res.body) as { error?: { message?: unknown; type?: unknown } };
        if (typeof parsed.error?.message !== "string" || typeof parsed.error.type !== "string") {
          failures.push(`${b.name}: not an OpenAI error body: ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still serving real requests afterwards.
    const ok = await t.openai.chat.completions.create(base as never);
    expect(ok.object).toBe("chat.completion");
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });

  it("a schema nested beyond the stack under a non-keyword is a 400, not a 500, on every route", async () => {
    const deep = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    const openai = `{"model":"tiny","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","x":${deep}}}}]}`;
    const anthropic = `{"model":"tiny","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object","x":${deep}}}]}`;
    const results = await Promise.all([
      send("/v1/chat/completions", openai),
      send("/v1/messages", anthropic),
      send("/v1/messages/count_tokens", anthropic),
    ]);
    expect(results.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(results.map((r) => r.body)).toEqual(
      results.map(() => expect.stringContaining("nested more than 128 levels deep")),
    );
  });
});
