import fs from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  builtRenderer,
  CHROMIUM_PATH,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

// CI installs Chromium and must run this; a developer machine without it skips the file.
const haveChromium = fs.existsSync(CHROMIUM_PATH);
if (!haveChromium && process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);

let t: TestServer;
let browser: Browser;
beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe.skipIf(!haveChromium)("the web UI in Chromium, served by the API's own origin", () => {
  it("shows the server online, the engine state and the local models", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${t.url}/`);
    await page.getByText("Online", { exact: true }).waitFor({ timeout: 15_000 });
    const models = page.locator("section[aria-labelledby=models-title]");
    await expect(models.getByText("tiny", { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole("heading", { name: "Local engine" }).count()).resolves.toBe(1);
    await page.screenshot({ path: screenshotPath("status-page"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says plainly when the server goes away", async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/`);
    await page.getByText("Online", { exact: true }).waitFor({ timeout: 15_000 });
    await t.core.server.close();
    await page.getByRole("heading", { name: "Server unreachable" }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: screenshotPath("status-page-unreachable") });
    await page.close();
  });
});
