import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "../ledger/ledgerQueries.js";
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
    // Schemas that would cost a local model's grammar more than the box can spare (issue 14):
    // refused with 400 before any grammar work, never a 5xx or a stall.
    ...hugeSchemas().map(({ name, schema }) => ({
      name,
      body: JSON.stringify({
        ...base,
        response_format: { type: "json_schema", json_schema: { name: "x", schema } },
      }),
    })),
    ...hugeSchemas().map(({ name, schema }) => ({
      name: `tool ${name}`,
      body: JSON.stringify({
        ...base,
        tools: [{ type: "function", function: { name: "f", parameters: schema } }],
      }),
    })),
    {
      name: "schema nested under a non-keyword beyond the stack",
      body: `{"model":"tiny","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","x":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}}}]}`,
    },
    // Long runs without whitespace (~70 KB each), as chat, completion and embedding input.
    ...["a", "9", "!", "é", "🚀"].map((c) => {
      const run = c.repeat(Math.floor(70_000 / Buffer.byteLength(c)));
      return {
        name: `run of ${c}`,
        body: JSON.stringify({
          ...base,
          messages: [{ role: "user", content: run }],
          prompt: run,
          input: run,
        }),
      };
    }),
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

/** Schemas beyond the grammar limits, each by a different limit (see engine/schemaLimits.ts). */
function hugeSchemas(): { name: string; schema: unknown }[] {
  const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
  const $defs: Record<string, unknown> = { d0: { enum: values(10) } };
  for (let i = 1; i <= 5; i++)
    $defs[`d${i}`] = { anyOf: Array(10).fill({ $ref: `#/$defs/d${i - 1}` }) };
  let deep: unknown = { type: "string" };
  for (let i = 0; i < 100; i++) deep = { type: "array", items: deep };
  return [
    {
      name: "20k-value enum",
      schema: { type: "object", properties: { v: { enum: values(20_000) } } },
    },
    { name: "5k oneOf branches", schema: { oneOf: values(5_000).map((v) => ({ const: v })) } },
    { name: "chained $refs (100k alternatives)", schema: { $defs, $ref: "#/$defs/d5" } },
    { name: "100 levels of items", schema: deep },
    { name: "100 KiB description", schema: { type: "string", description: "x".repeat(100_000) } },
  ];
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

  it("refuses every schema beyond the grammar limits with 400 before admission, on each route that compiles one", async () => {
    const member = t.addMember({ name: "schemas" });
    const key = { authorization: `Bearer ${member.key}` };
    const anthropic = { ...base, max_tokens: 1 };
    const statuses: string[] = [];
    for (const { name, schema } of hugeSchemas()) {
      const sent = [
        send(
          "/v1/chat/completions",
          JSON.stringify({
            ...base,
            response_format: { type: "json_schema", json_schema: { name: "x", schema } },
          }),
          key,
        ),
        send(
          "/v1/chat/completions",
          JSON.stringify({
            ...base,
            tools: [{ type: "function", function: { name: "f", parameters: schema } }],
          }),
          key,
        ),
        send(
          "/v1/messages",
          JSON.stringify({ ...anthropic, tools: [{ name: "f", input_schema: schema }] }),
          key,
        ),
        send(
          "/v1/messages/count_tokens",
          JSON.stringify({ ...anthropic, tools: [{ name: "f", input_schema: schema }] }),
          key,
        ),
      ];
      for (const res of await Promise.all(sent))
        statuses.push(
          `${name}: ${res.status} ${/schema/i.test(res.body) ? "names the schema" : res.body.slice(0, 120)}`,
        );
    }
    expect(statuses).toEqual(
      hugeSchemas().flatMap(({ name }) => Array(4).fill(`${name}: 400 names the schema`)),
    );
    expect(usageRows(t.core, "member_id = ?", member.id)).toEqual([]);
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

  it("a count_tokens flood gets the member's rpm and 429s, never a 5xx, and the server keeps serving", async () => {
    const member = t.addMember({ name: "flood", limits: { rpm: 5 } });
    const key = { authorization: `Bearer ${member.key}` };
    const bodies = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: i % 2 ? "a".repeat(70_000) : "hi" }],
      }),
    );
    const results = await Promise.all(bodies.map((b) => send("/v1/messages/count_tokens", b, key)));
    const byStatus = (status: number) => results.filter((r) => r.status === status);
    expect([byStatus(200).length, byStatus(429).length]).toEqual([5, 20]);
    for (const r of byStatus(429))
      expect(JSON.parse(r.body)).toMatchObject({
        type: "error",
        error: { type: "rate_limit_error" },
      });
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    const ok = await t.openai.chat.completions.create(base as never);
    expect(ok.object).toBe("chat.completion");
  });
});
