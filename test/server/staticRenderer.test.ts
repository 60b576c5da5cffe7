import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-renderer-"));
  fs.writeFileSync(
    path.join(rendererDir, "index.html"),
    "<!doctype html><title>Benchtop UI</title>",
  );
  fs.mkdirSync(path.join(rendererDir, "assets"));
  fs.writeFileSync(path.join(rendererDir, "assets", "app.js"), "console.log(1)");
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
