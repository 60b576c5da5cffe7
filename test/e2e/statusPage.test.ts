import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

/** Where the renderer keeps a typed key (src-renderer/stores/useAuthStore.ts). */
const SESSION_KEY = "benchtop.apiKey";

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

/** A page on the app with the sign-in form up, recording page errors and console errors. */
async function openSignIn(): Promise<{ page: Page; errors: string[]; consoleText: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const consoleText: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    consoleText.push(m.text());
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${t.url}/`);
  await page.getByLabel("API key").waitFor({ timeout: 15_000 });
  return { page, errors, consoleText };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The tab's saved key (a string expression: the tests are type-checked without the DOM lib). */
const sessionKey = (page: Page) =>
  page.evaluate<string | null>(`window.sessionStorage.getItem(${JSON.stringify(SESSION_KEY)})`);

describe.skipIf(!haveChromium)("the web UI in Chromium, served by the API's own origin", () => {
  it("signs in with the owner token and shows the server, the engine and the local models", async () => {
    const ownerToken = t.core.ownerToken;
    const { page, errors, consoleText } = await openSignIn();
    expect(await page.getByLabel("API key").getAttribute("type")).toBe("password");
    await page.screenshot({ path: screenshotPath("sign-in") });

    const sent = new Map<string, string | undefined>();
    page.on("request", (r) => sent.set(new URL(r.url()).pathname, r.headers().authorization));
    await signIn(page, ownerToken);
    await page.getByText("Online", { exact: true }).waitFor({ timeout: 15_000 });
    // Chat is the home page; the server's status is one click away.
    await page.getByRole("heading", { name: "New chat" }).waitFor({ timeout: 15_000 });
    await openPage(page, "Server");
    const models = page.locator("section[aria-labelledby=models-title]");
    await models.getByText("tiny", { exact: true }).waitFor({ timeout: 15_000 });
    await expect(page.getByRole("heading", { name: "Local engine" }).count()).resolves.toBe(1);
    const member = page.getByRole("group", { name: "Signed in" });
    await expect(member.locator("[data-member-role]").textContent()).resolves.toBe("owner");
    await expect(member.getByRole("button", { name: "Sign out" }).count()).resolves.toBe(1);
    await expect(page.getByLabel("API key").count()).resolves.toBe(0);
    await page.screenshot({ path: screenshotPath("status-page"), fullPage: true });

    // The key goes to /v1 and /manage, never to the public /health, and never onto the page.
    expect(sent.get("/manage/v1/me")).toBe(`Bearer ${ownerToken}`);
    expect(sent.get("/v1/models")).toBe(`Bearer ${ownerToken}`);
    expect(sent.has("/health")).toBe(true);
    expect(sent.get("/health")).toBeUndefined();
    expect(await page.content()).not.toContain(ownerToken);
    expect(consoleText.filter((line) => line.includes(ownerToken))).toEqual([]);

    // A typed key lasts for the tab (a reload keeps it) until sign-out forgets it.
    await expect(sessionKey(page)).resolves.toBe(ownerToken);
    await page.reload();
    await models.getByText("tiny", { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor({ timeout: 5_000 });
    await expect(sessionKey(page)).resolves.toBeNull();

    expect(errors).toEqual([]);
    await page.close();
  });

  it("refuses a wrong key with the server's reason and stays on sign-in", async () => {
    const { page, consoleText } = await openSignIn();
    const alert = page.getByRole("alert");

    // Not a Benchtop key at all: refused in the page, before any request.
    const manageCalls: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/manage/")) manageCalls.push(r.url());
    });
    await signIn(page, "sk-not-a-benchtop-key");
    await expect(alert.textContent()).resolves.toBe("A Benchtop API key starts with btk_.");
    expect(manageCalls).toEqual([]);

    // Shaped like one, but no such key: the server's own 401 message is shown.
    const wrongKey = `btk_${"A".repeat(38)}`;
    const res = await fetch(`${t.url}/manage/v1/me`, {
      headers: { authorization: `Bearer ${wrongKey}` },
    });
    expect(res.status).toBe(401);
    const { error } = (await res.json()) as { error: { message: string; code: string } };
    expect(error.code).toBe("invalid_api_key");

    await signIn(page, wrongKey);
    await page
      .getByText("Your key was not accepted:", { exact: false })
      .waitFor({ timeout: 15_000 });
    await expect(alert.textContent()).resolves.toBe(`Your key was not accepted: ${error.message}`);
    await expect(page.getByLabel("API key").count()).resolves.toBe(1);
    await expect(page.getByLabel("API key").inputValue()).resolves.toBe("");
    await expect(page.getByText("Online", { exact: true }).count()).resolves.toBe(0);
    await expect(page.locator("section[aria-labelledby=models-title]").count()).resolves.toBe(0);
    await expect(sessionKey(page)).resolves.toBeNull();
    expect(await page.content()).not.toContain(wrongKey);
    expect(consoleText.filter((line) => line.includes(wrongKey))).toEqual([]);
    await page.screenshot({ path: screenshotPath("sign-in-rejected") });
    await page.close();
  });

  it("says plainly when the server goes away", async () => {
    const { page } = await openSignIn();
    await signIn(page, t.core.ownerToken);
    await page.getByText("Online", { exact: true }).waitFor({ timeout: 15_000 });
    await t.core.server.close();
    await page.getByRole("heading", { name: "Server unreachable" }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: screenshotPath("status-page-unreachable") });
    await page.close();
  });
});
