import type { Browser, Page } from "playwright-core";

/** A page of the web UI, signed in with `key`, plus the page errors and console errors it logs. */
export interface AppPage {
  page: Page;
  /** Uncaught page errors and console errors; a clean page leaves this empty. */
  errors: string[];
}

/**
 * Opens the app at `#/<route>` and signs in with `key` through the real form (the key is kept
 * for the tab, as a user's would be), then waits until the navigation is up.
 */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  key: string,
  route = "",
  viewport = { width: 1280, height: 800 },
): Promise<AppPage> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${baseUrl}/#/${route}`);
  await page.getByLabel("API key").waitFor({ timeout: 15_000 });
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Pages" }).waitFor({ timeout: 15_000 });
  return { page, errors };
}

/** Goes to a page through the navigation, as a user would. */
export async function openPage(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: label }).click();
}
