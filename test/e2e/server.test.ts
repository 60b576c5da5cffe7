import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

let t: TestServer;
let browser: Browser;

async function manage<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${t.url}/manage/v1${path}`, {
    method: init.method ?? "GET",
    headers: { ...t.auth, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Waits (bounded: 15 s) for the toasts to close by themselves, so screenshots show the header. */
async function toastsGone(page: Page): Promise<void> {
  const toasts = page.locator(".mantine-Notification-root");
  for (let i = 0; i < 150 && (await toasts.count()) > 0; i++) await page.waitForTimeout(100);
}

interface Server {
  lan: boolean;
  host: string;
  port: number;
  urls: { base_url: string; via: string }[];
}

beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe.skipIf(!haveChromium)("the Server page", () => {
  it("shares on the LAN, shows the URLs and a QR code, audits it, and saves settings", async () => {
    // LAN sharing needs a member with a live key: made through the API, as a lab lead would.
    const member = await manage<{ id: string }>("/members", {
      method: "POST",
      body: { name: "Teammate" },
    });
    await manage(`/members/${member.id}/keys`, { method: "POST", body: { name: "laptop" } });

    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken, "server");
    await page.getByRole("heading", { name: "Connected clients" }).waitFor({ timeout: 15_000 });
    await page.getByRole("heading", { name: "Local engine" }).waitFor();
    await page.screenshot({ path: screenshotPath("server"), fullPage: true });

    // Sharing: the owner turns the LAN on.
    await page.getByRole("tab", { name: "Sharing" }).click();
    const lanSwitch = page.getByRole("switch", { name: "Share on the LAN" });
    await expect(lanSwitch.isChecked()).resolves.toBe(false);
    await lanSwitch.click();
    await page
      .getByRole("heading", { name: "Addresses for teammates" })
      .waitFor({ timeout: 15_000 });
    const server = await manage<Server>("/server");
    expect(server).toMatchObject({ lan: true, host: "0.0.0.0" });
    await expect(lanSwitch.isChecked()).resolves.toBe(true);
    const urls = page.locator("section[aria-labelledby=share-urls-title] li code");
    await expect(urls.allTextContents()).resolves.toEqual(server.urls.map((u) => u.base_url));
    const qr = page.getByRole("img", { name: `QR code of ${server.urls[0]!.base_url}` });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;charset=utf-8,/);
    await toastsGone(page);
    await page.screenshot({ path: screenshotPath("server-sharing"), fullPage: true });

    // The audit view lists the change, newest first, and the chain verifies.
    await page.getByRole("tab", { name: "Audit log" }).click();
    const rows = page.getByRole("table", { name: "Audit log entries" }).locator("tbody tr");
    await rows.first().waitFor({ timeout: 15_000 });
    const audit = await manage<{ data: { seq: number; action: string }[] }>("/audit?limit=25");
    const me = await manage<{ name: string }>("/me"); // the actor column: name, then role
    expect(audit.data[0]!.action).toBe("server.update");
    await expect(rows.count()).resolves.toBe(audit.data.length);
    await expect(rows.first().locator("td").nth(0).textContent()).resolves.toBe(
      String(audit.data[0]!.seq),
    );
    await expect(rows.first().locator("td").nth(3).textContent()).resolves.toBe("server.update");
    await expect(rows.first().locator("td").nth(2).textContent()).resolves.toBe(`${me.name}owner`);
    await page.getByRole("button", { name: "Verify chain" }).click();
    const verify = await manage<{ rows: number }>("/audit/verify");
    await page
      .getByText(`Chain verified: ${verify.rows} rows intact.`, { exact: true })
      .waitFor({ timeout: 15_000 });
    await toastsGone(page);
    await page.screenshot({ path: screenshotPath("audit"), fullPage: true });

    // Settings edited in the UI are what the API returns.
    await page.getByRole("tab", { name: "Settings" }).click();
    const ttl = page.getByLabel("Unload idle models after (seconds)");
    await ttl.fill("300");
    await page.getByRole("switch", { name: "Delete old usage records" }).click();
    await page.getByLabel("Keep usage for (days)").fill("45");
    const zone = page.getByRole("combobox", { name: "Time zone" });
    await zone.click();
    await zone.fill("Europe/Berl");
    await page.getByRole("option", { name: "Europe/Berlin" }).click();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor({ timeout: 15_000 });
    await expect(manage("/settings")).resolves.toEqual({
      time_zone: "Europe/Berlin",
      anonymous_loopback: false,
      model_idle_ttl_s: 300,
      retention_days: 45,
      body_retention_days: null,
      max_keys_per_member: 20,
    });
    expect(t.core.engine.idleTtlS).toBe(300);

    // Dark theme, on the sharing tab.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.getByRole("tab", { name: "Sharing" }).click();
    await qr.waitFor();
    await toastsGone(page);
    await page.screenshot({ path: screenshotPath("server-dark"), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  });
});
