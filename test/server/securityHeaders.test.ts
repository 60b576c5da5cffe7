import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_UI_POLICY,
  uiContentSecurityPolicy,
} from "../../src-main/server/securityHeaders.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { rawMessage, rawRequest, type RawReply } from "../helpers/rawSocket.js";

/**
 * The headers every answer carries (issue 14, item 9): no framing, no sniffing, no referrer, and
 * nothing cached — API answers carry keys (a new key is shown once) and personal data. Checked
 * on successes, refusals, and the raw answers written before any route runs.
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

const EVERY_RESPONSE = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";
const pick = (h: Record<string, string>) =>
  Object.fromEntries(Object.keys(EVERY_RESPONSE).map((n) => [n, h[n]]));

describe("headers on every answer", () => {
  it("API answers, successes and refusals alike, may not be framed, sniffed or stored", async () => {
    const member = t.addMember();
    const auth = { Authorization: t.auth.authorization, Host: host };
    const json = { ...auth, "Content-Type": "application/json" };
    const requests: [string, string][] = [
      ["GET /health", rawMessage("GET", "/health", { Host: host })],
      ["GET /openapi.json", rawMessage("GET", "/openapi.json", { Host: host })],
      ["GET /v1/models", rawMessage("GET", "/v1/models", auth)],
      ["GET /v1/models without a key", rawMessage("GET", "/v1/models", { Host: host })],
      ["GET /manage/v1/me", rawMessage("GET", "/manage/v1/me", auth)],
      [
        "POST a new key",
        rawMessage("POST", `/manage/v1/members/${member.id}/keys`, json, '{"name":"ci"}'),
      ],
      ["GET /nowhere", rawMessage("GET", "/nowhere", { Host: host })],
      ["a foreign Host", rawMessage("GET", "/health", { Host: "evil.example" })],
      ["a bad percent-encoding", rawMessage("GET", "/v1/models/%ff", auth)],
    ];
    const replies: Record<string, RawReply> = {};
    for (const [name, request] of requests) replies[name] = await rawRequest(t.url, request);
    expect(Object.values(replies).map((r) => r.status)).toEqual([
      200, 200, 200, 401, 200, 201, 404, 403, 400,
    ]);
    // The one answer that shows a key in full.
    expect((replies["POST a new key"]!.json as { key: string }).key).toMatch(/^btk_/);
    for (const [name, reply] of Object.entries(replies)) {
      expect(pick(reply.headers), name).toEqual(EVERY_RESPONSE);
      expect(reply.headers["content-security-policy"], name).toBe(API_POLICY);
    }
  });

  it("the raw answers to what the HTTP parser refuses carry them too, with a JSON body", async () => {
    const malformed = await rawRequest(
      t.url,
      `GET /health HTTP/1.1\r\nHost: ${host}\r\nX A: b\r\n\r\n`,
    );
    const tooLarge = await rawRequest(
      t.url,
      rawMessage("GET", "/health", { Host: host, "X-Big": "a".repeat(20_000) }),
    );
    expect([malformed.status, malformed.json]).toEqual([
      400,
      {
        error: {
          message: "The HTTP request is malformed.",
          type: "invalid_request_error",
          param: null,
          code: "malformed_request",
        },
      },
    ]);
    expect([tooLarge.status, (tooLarge.json as { error: { code: string } }).error.code]).toEqual([
      431,
      "request_header_too_large",
    ]);
    for (const reply of [malformed, tooLarge]) {
      expect(pick(reply.headers)).toEqual(EVERY_RESPONSE);
      expect(reply.headers.connection).toBe("close");
    }
  });
});

describe("uiContentSecurityPolicy", () => {
  const shipped = fs.readFileSync(
    new URL("../../src-renderer/index.html", import.meta.url),
    "utf8",
  );

  it("is the shipped page's own policy plus frame-ancestors 'none'", () => {
    expect(uiContentSecurityPolicy(shipped)).toBe(`${DEFAULT_UI_POLICY}; frame-ancestors 'none'`);
  });

  it("replaces a frame-ancestors the page may carry, and falls back to the shipped policy", () => {
    const page = `<meta http-equiv='Content-Security-Policy' content='default-src "self"; frame-ancestors *;'>`;
    expect(uiContentSecurityPolicy(page)).toBe(`default-src "self"; frame-ancestors 'none'`);
    expect(uiContentSecurityPolicy("<title>no policy</title>")).toBe(
      `${DEFAULT_UI_POLICY}; frame-ancestors 'none'`,
    );
  });
});
