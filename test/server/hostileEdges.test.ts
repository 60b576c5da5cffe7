import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { rawMessage, rawRequest, type RawReply } from "../helpers/rawSocket.js";

/**
 * Hostile request edges, beside hostileBodies.test.ts (bodies) and slowClients.test.ts (slow
 * bodies, headers and connections): path encodings on every route family and every method, and
 * odd, duplicate and oversized headers. Sent as raw bytes, so nothing is normalised on the way.
 * Never a 5xx, never an "unhandled error" in the log, always an error body in the right shape.
 */
let t: TestServer;
let host: string;
beforeAll(async () => {
  t = await startTestServer();
  host = t.url.slice("http://".length);
});
afterAll(async () => {
  await t?.close();
});

/** Percent-encodings that do not decode: bad hex, truncated, overlong and surrogate UTF-8. */
const MALFORMED = [
  "%ff%fe",
  "%",
  "%zz",
  "%u002e",
  "%c0%af", // overlong "/"
  "%e0%80%ae", // overlong "."
  "%c0",
  "%ed%a0%80", // a UTF-16 surrogate in UTF-8
  "%f8%88%80%80%80", // five-byte form
  "a%ff",
];
/** Encodings that decode to something odd: traversal, NUL, CR LF, a slash, double encoding. */
const ODD = [
  "%2e%2e",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "..%5c..%5cwindows",
  "a%00b",
  "x%0d%0aSet-Cookie:%20a=b",
  "%2F",
  "%252e%252e",
];
/** Routes with a parameter at the end (decoding happens there), then ones without. */
const PARAM_ROUTES = [
  "/v1/models/",
  "/manage/v1/members/",
  "/manage/v1/keys/",
  "/manage/v1/pools/",
  "/manage/v1/connections/",
  "/manage/v1/conversations/",
  "/manage/v1/models/downloads/",
];
const PLAIN_ROUTES = [
  "/v1/chat/completions/",
  "/v1/messages/",
  "/v1/",
  "/manage/v1/me/",
  "/health/",
  "/openapi.json/",
  "/",
];
const METHODS = ["GET", "POST", "PATCH", "DELETE"];

const send = (method: string, path: string, headers: Record<string, string>, body = "") =>
  rawRequest(t.url, rawMessage(method, path, { Host: host, ...headers }, body));
const owner = () => ({ Authorization: t.auth.authorization, "Content-Type": "application/json" });

/** The error code of an OpenAI-shaped or Anthropic-shaped error body; "?" for anything else. */
function errorCode(reply: RawReply, path: string): string {
  const body = reply.json as {
    type?: string;
    error?: { code?: unknown; type?: unknown; message?: unknown };
  };
  if (path.startsWith("/v1/messages")) {
    const ok = body?.type === "error" && typeof body.error?.message === "string";
    return ok ? String(body.error!.type) : "?";
  }
  const ok = typeof body?.error?.message === "string" && typeof body.error.type === "string";
  return ok ? String(body.error!.code) : "?";
}

describe("path encodings on every route family", () => {
  it("a malformed percent-encoding is a 400 invalid_url where it is decoded, a 404 elsewhere", async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const method of METHODS)
      for (const route of [...PARAM_ROUTES, ...PLAIN_ROUTES])
        for (const seg of MALFORMED) {
          const path = route + seg;
          const body = method === "GET" || method === "DELETE" ? "" : "{}";
          const reply = await send(method, path, owner(), body);
          got.push(`${method} ${path} ${reply.status} ${errorCode(reply, path)}`);
          const decoded = PARAM_ROUTES.includes(route);
          const code = path.startsWith("/v1/messages") ? "not_found_error" : "unknown_url";
          want.push(`${method} ${path} ${decoded ? `400 invalid_url` : `404 ${code}`}`);
        }
    expect(got).toEqual(want);
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });

  it("the message names the URL as the problem, not the server", async () => {
    const reply = await send("GET", "/v1/models/%ff%fe", owner());
    expect(reply.json).toEqual({
      error: {
        message: "The request URL is malformed: it has an invalid percent-encoding.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_url",
      },
    });
  });

  it("without a key, /v1 and /manage answer 401 before looking at the path", async () => {
    const got: number[] = [];
    for (const route of [...PARAM_ROUTES, "/v1/chat/completions/", "/manage/v1/me/"])
      for (const seg of MALFORMED) got.push((await send("GET", route + seg, {})).status);
    expect(new Set(got)).toEqual(new Set([401]));
  });

  it("odd decodable paths are a 404 on GET and never a 5xx on any method", async () => {
    const failures: string[] = [];
    for (const method of METHODS)
      for (const route of [...PARAM_ROUTES, ...PLAIN_ROUTES])
        for (const seg of ODD) {
          const path = route + seg;
          const body = method === "GET" || method === "DELETE" ? "" : "{}";
          const reply = await send(method, path, owner(), body);
          const code = errorCode(reply, path);
          const wanted = method === "GET" ? [404] : [400, 404];
          if (!wanted.includes(reply.status) || code === "?")
            failures.push(`${method} ${path}: ${reply.status} ${reply.body.slice(0, 120)}`);
          if (reply.body.includes("root:") || reply.headers["set-cookie"] !== undefined)
            failures.push(`${method} ${path}: leaked ${reply.body.slice(0, 120)}`);
        }
    expect(failures).toEqual([]);
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });
});

describe("odd, duplicate and oversized headers", () => {
  it("each gets its exact answer, and the server goes on serving", async () => {
    const token = t.auth.authorization;
    const member = t.addMember();
    const chat = (headers: string) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${token}\r\n${headers}Connection: close\r\n\r\n`;
    const get = (path: string, headers: string) =>
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`;
    const cases: [name: string, request: string, status: number, code: string | null][] = [
      // Node keeps the first Authorization and Host; repeated custom headers are joined.
      [
        "a good key, then a bad one",
        get("/v1/models", `Authorization: ${token}\r\nAuthorization: Bearer bad\r\n`),
        200,
        null,
      ],
      [
        "a bad key, then a good one",
        get("/v1/models", `Authorization: Bearer bad\r\nAuthorization: ${token}\r\n`),
        401,
        "invalid_api_key",
      ],
      [
        "two x-api-key headers",
        get("/manage/v1/me", `x-api-key: ${member.key}\r\nx-api-key: ${member.key}\r\n`),
        401,
        "invalid_api_key",
      ],
      [
        "Basic credentials",
        get("/v1/models", "Authorization: Basic Zm9vOmJhcg==\r\n"),
        401,
        "invalid_api_key",
      ],
      [
        "an 8 KiB bearer",
        get("/v1/models", `Authorization: Bearer ${"x".repeat(8192)}\r\n`),
        401,
        "invalid_api_key",
      ],
      [
        "a foreign Host after ours",
        `GET /health HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
        200,
        null,
      ],
      [
        "ours after a foreign Host",
        `GET /health HTTP/1.1\r\nHost: evil.example\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        403,
        "forbidden_host",
      ],
      [
        "a Host with userinfo",
        `GET /health HTTP/1.1\r\nHost: ${host}@evil.example\r\nConnection: close\r\n\r\n`,
        403,
        "forbidden_host",
      ],
      ["no Host (HTTP/1.0)", "GET /health HTTP/1.0\r\n\r\n", 403, "forbidden_host"],
      // Node's own answer, before any of ours (no body).
      ["no Host (HTTP/1.1)", "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", 400, null],
      [
        "a 20 KiB header",
        get("/health", `X-Big: ${"a".repeat(20_000)}\r\n`),
        431,
        "request_header_too_large",
      ],
      [
        "a 20 KiB URL",
        get(`/v1/models/${"a".repeat(20_000)}`, ""),
        431,
        "request_header_too_large",
      ],
      [
        "300 headers",
        get("/health", Array.from({ length: 300 }, (_, i) => `X-${i}: v\r\n`).join("")),
        200,
        null,
      ],
      [
        "two different Content-Lengths",
        chat("Content-Length: 2\r\nContent-Length: 3\r\n") + "{}",
        400,
        "malformed_request",
      ],
      [
        "Content-Length and chunked",
        chat("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n",
        400,
        "malformed_request",
      ],
      [
        "an odd Transfer-Encoding",
        chat("Transfer-Encoding: chunked, identity\r\n") + "0\r\n\r\n",
        400,
        "malformed_request",
      ],
      ["a negative Content-Length", chat("Content-Length: -1\r\n"), 400, "malformed_request"],
      ["a Content-Length of 1e3", chat("Content-Length: 1e3\r\n"), 400, "malformed_request"],
      ["a NUL in a header", get("/health", "X-A: a\u0000b\r\n"), 400, "malformed_request"],
      ["a space in a header name", get("/health", "X A: b\r\n"), 400, "malformed_request"],
      ["a folded header", get("/health", "X-A: a\r\n b\r\n"), 400, "malformed_request"],
      [
        "an unknown method",
        `FOO /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        400,
        "malformed_request",
      ],
      [
        "OPTIONS *",
        `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        404,
        "unknown_url",
      ],
      [
        "a charset body-parser cannot read",
        chat("Content-Type: application/json; charset=koi8-r\r\nContent-Length: 2\r\n") + "{}",
        415,
        "unsupported_media_type",
      ],
    ];
    const got: string[] = [];
    for (const [name, request] of cases) {
      const reply = await rawRequest(t.url, request);
      const code = (reply.json as { error?: { code?: string } } | undefined)?.error?.code ?? null;
      got.push(`${name}: ${reply.status} ${code}`);
    }
    expect(got).toEqual(cases.map(([name, , status, code]) => `${name}: ${status} ${code}`));
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });
});
