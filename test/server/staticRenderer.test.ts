import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
/** The page's own policy, as the shipped index.html carries it in a `<meta>`. */
const META_POLICY = "default-src 'self'; script-src 'self'; object-src 'none'";
beforeAll(async () => {
  const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-renderer-"));
  fs.writeFileSync(
    path.join(rendererDir, "index.html"),
    `<!doctype html><meta http-equiv="Content-Security-Policy" content="${META_POLICY}" /><title>Benchtop UI</title>`,
  );
  fs.mkdirSync(path.join(rendererDir, "assets"));
  fs.writeFileSync(path.join(rendererDir, "assets", "app.js"), "console.log(1)");
  // A source map a build left behind: never served.
  fs.writeFileSync(path.join(rendererDir, "assets", "app.js.map"), '{"sources":["secret.ts"]}');
  t = await startTestServer({ rendererDir });
});
afterAll(async () => {
  await t?.close();
});

describe("the renderer is served by the API's own origin", () => {
  it("serves index.html at / and for client-side routes, assets as files", async () => {
    for (const p of ["/", "/members", "/usage/daily"]) {
      const res = await fetch(`${t.url}${p}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<title>Benchtop UI</title>");
    }
    const js = await fetch(`${t.url}/assets/app.js`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
  });

  it("keeps JSON errors on API paths: 401 without a key, then 404", async () => {
    for (const p of ["/v1/unknown", "/manage/v1/anything"]) {
      const anonymous = await fetch(`${t.url}${p}`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
        "invalid_api_key",
      );
      const res = await fetch(`${t.url}${p}`, { headers: t.auth });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_url");
    }
  });
});

describe("the UI's headers and files (issue 14, items 8 and 9)", () => {
  const security = (res: Response) => ({
    "x-frame-options": res.headers.get("x-frame-options"),
    "x-content-type-options": res.headers.get("x-content-type-options"),
    "referrer-policy": res.headers.get("referrer-policy"),
  });
  const SECURITY = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };

  it("sends the page's CSP as a header with frame-ancestors 'none', revalidated on every load", async () => {
    for (const p of ["/", "/members", "/index.html"]) {
      const res = await fetch(`${t.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get("content-security-policy"), p).toBe(
        `${META_POLICY}; frame-ancestors 'none'`,
      );
      expect(res.headers.get("cache-control"), p).toBe("no-cache");
      expect(security(res), p).toEqual(SECURITY);
    }
  });

  it("lets hashed assets be cached, with the same protections", async () => {
    const js = await fetch(`${t.url}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(security(js)).toEqual(SECURITY);
  });

  it("never serves a source map, however its path is spelled", async () => {
    for (const p of [
      "/assets/app.js.map",
      "/assets/app.js%2emap",
      "/assets/app.js%2Emap",
      "/assets/app%2ejs%2emap",
      "/assets/app.js.map/",
      "/assets/app.js.%6d%61%70",
    ]) {
      const res = await fetch(`${t.url}${p}`);
      const text = await res.text();
      expect([res.status, (JSON.parse(text) as { error: { code: string } }).error.code], p).toEqual(
        [404, "unknown_url"],
      );
      expect(text, p).not.toContain("secret.ts");
    }
  });
});
