import OpenAI from "openai";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMoney, moneyInputText } from "../../src-renderer/lib/formatMoney.js";
import { openPage, openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

const OWNER_NAME = "Priya Lead";
const OTHER_NAME = "Zed Other";
const NEW_NAME = "Ada Lovelace";

let t: TestServer;
let browser: Browser;
/** Shared by the two tests: the owner creates it in the UI, the member then signs in with it. */
let memberKey = "";
let memberId = "";

async function manage<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${t.url}/manage/v1${path}`, {
    method: init.method ?? "GET",
    headers: { ...t.auth, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Status {
  spend_today_micros: number;
  spend_month_micros: number;
}

beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
  // Priced, so the member's request costs something the gauges show to the micro-dollar.
  await manage("/prices/tiny", {
    method: "PUT",
    body: {
      input_micros_per_mtok: 500_000,
      output_micros_per_mtok: 1_500_000,
      billing_mode: "org",
    },
  });
  const me = await manage<{ id: string }>("/me");
  await manage(`/members/${me.id}`, { method: "PATCH", body: { name: OWNER_NAME } });
  t.addMember({ name: OTHER_NAME });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The text of a locator once it equals `expected` (live updates arrive asynchronously). */
async function waitForText(locator: Locator, expected: string): Promise<void> {
  await locator.filter({ hasText: expected }).first().waitFor({ timeout: 15_000 });
  await expect(locator.first().innerText()).resolves.toContain(expected);
}

/** A tall window instead of fullPage: the app shell's fixed header would repeat mid-page. */
async function tallScreenshot(page: Page, name: string, height: number): Promise<void> {
  await page.setViewportSize({ width: 1280, height });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: screenshotPath(name) });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Picks "Default" / "No limit" / "Set" for one field of a limits form. */
async function limitMode(form: Locator, field: string, mode: string): Promise<void> {
  await form
    .getByRole("radiogroup", { name: `${field}: how it is set` })
    .getByText(mode, { exact: true })
    .click();
}

/** Saves the form and waits until the server answered (the button is disabled again, nothing pending). */
async function saveLimits(form: Locator): Promise<void> {
  await form.getByRole("button", { name: "Save limits" }).click();
  await form.locator("button[type=submit]:disabled").waitFor({ timeout: 15_000 });
}

describe.skipIf(!haveChromium)("the Members page in Chromium", () => {
  it("creates a member and a key, shows their usage, and limits take effect on the next call", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken, "members");
    const table = page.getByRole("table", { name: "Members" });
    await table.getByText(OTHER_NAME).waitFor({ timeout: 15_000 });

    // Add a member through the modal; the app opens their page.
    await page.getByRole("button", { name: "Add member" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill(NEW_NAME);
    await dialog.getByLabel("Email").fill("ada@lab.example");
    await dialog.getByRole("button", { name: "Add member" }).click();
    await page.getByRole("heading", { name: NEW_NAME }).waitFor({ timeout: 15_000 });
    memberId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    const created = await manage<{ name: string; role: string; email: string }>(
      `/members/${memberId}`,
    );
    expect(created).toMatchObject({ name: NEW_NAME, role: "member", email: "ada@lab.example" });

    // Create a key: shown once, with snippets that use this server's address.
    await page.getByRole("button", { name: "Create key" }).click();
    await dialog.getByLabel("Name").fill("laptop");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const keyField = dialog.getByLabel("New API key");
    await keyField.waitFor({ timeout: 15_000 });
    memberKey = await keyField.inputValue();
    expect(memberKey).toMatch(/^btk_[0-9A-Za-z]{38}$/);
    await dialog.getByRole("tab", { name: "Environment" }).click();
    await expect(
      dialog.getByLabel("Environment: Shell", { exact: true }).innerText(),
    ).resolves.toBe(`export OPENAI_BASE_URL='${t.url}/v1'\nexport OPENAI_API_KEY='${memberKey}'`);
    // Not shared on the LAN: the dialog says only this machine can connect.
    await dialog.getByText("only this machine can connect", { exact: false }).waitFor();
    await page.screenshot({
      path: screenshotPath("key-created"),
      mask: [dialog.locator("[data-secret]")],
    });
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await dialog.waitFor({ state: "detached", timeout: 15_000 });
    // Gone for good: the list shows only its prefix and last 4.
    const keys = page.getByRole("table", { name: "API keys" });
    await keys.getByText(`${memberKey.slice(0, 8)}…${memberKey.slice(-4)}`).waitFor();
    expect(await page.content()).not.toContain(memberKey);

    // The member calls the API with it; the page follows the ledger live.
    const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: memberKey, maxRetries: 0 });
    await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Hello!" }],
      max_tokens: 4,
    });
    const status = await manage<Status>(`/members/${memberId}/status`);
    expect(status.spend_today_micros).toBeGreaterThan(0);
    const today = formatMoney(status.spend_today_micros);
    await waitForText(page.locator('[data-stat="Requests today"] [data-value]'), "1");
    await waitForText(page.locator('[data-gauge="Spend today"]'), `${today} · no cap`);
    await waitForText(
      page.locator('[data-gauge="Spend this month"]'),
      `${formatMoney(status.spend_month_micros)} · no cap`,
    );

    // The table row says the same.
    await page.getByRole("link", { name: "All members" }).click();
    const row = table.locator(`tr[data-member-id="${memberId}"]`);
    await waitForText(row.locator("[data-requests-today]"), "1");
    await expect(row.locator(`[data-gauge="${NEW_NAME} today"]`).innerText()).resolves.toBe(
      `${today} · no cap`,
    );
    await page.screenshot({ path: screenshotPath("members"), fullPage: true });

    // RPM 1, set in the UI: the member's very next call is refused.
    await row.getByRole("link", { name: NEW_NAME }).click();
    const form = page.getByRole("form", { name: `Limits of ${NEW_NAME}` });
    await limitMode(form, "Requests per minute", "Set");
    await form.getByLabel("Requests per minute", { exact: true }).fill("1");
    await limitMode(form, "Daily spend cap", "Set");
    await form.getByLabel("Daily spend cap", { exact: true }).fill("0.10");
    await saveLimits(form);
    const limits = await manage<{ set: object }>(`/members/${memberId}/limits`);
    expect(limits.set).toEqual({ rpm: 1, daily_cap_micros: 100_000 });
    const limited = await client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "Again" }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.APIError);
    expect((limited as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((limited as InstanceType<typeof OpenAI.APIError>).code).toBe("rate_limit_exceeded");
    await waitForText(page.locator('[data-gauge="Spend today"]'), `${today} of $0.10`);
    await tallScreenshot(page, "member-detail", 1700);

    // An allow-list without the model (RPM back to the default): the next call is a 403.
    await limitMode(form, "Requests per minute", "Default");
    await limitMode(form, "Allowed models", "Set");
    await saveLimits(form);
    expect((await manage<{ set: object }>(`/members/${memberId}/limits`)).set).toEqual({
      daily_cap_micros: 100_000,
      allowed_models: [],
    });
    const refused = await client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "Once more" }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_allowed");

    // A daily cap of exactly what was spent: the next request is refused for budget, and the
    // 100% alert it raises shows on the page and in the table.
    await limitMode(form, "Allowed models", "Default");
    await form
      .getByLabel("Daily spend cap", { exact: true })
      .fill(moneyInputText(status.spend_today_micros));
    await saveLimits(form);
    expect((await manage<{ set: object }>(`/members/${memberId}/limits`)).set).toEqual({
      daily_cap_micros: status.spend_today_micros,
    });
    const capped = await client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "Last" }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect((capped as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect((capped as InstanceType<typeof OpenAI.APIError>).code).toBe("insufficient_quota");
    const { day } = await manage<{ day: string }>(`/members/${memberId}/status`);
    await page
      .getByRole("table", { name: "Alerts" })
      .getByText(`100% of daily cap (${day})`)
      .waitFor({ timeout: 15_000 });
    await waitForText(page.locator('[data-gauge="Spend today"]'), `${today} of ${today}`);

    // Credits topped up in the UI are the server's balance.
    const topUp = page.getByRole("form", { name: "Add credits" });
    await topUp.getByLabel("Amount").fill("5");
    await topUp.getByRole("button", { name: "Add credits" }).click();
    await waitForText(page.locator('[data-amount="Balance"]'), "$5.00");
    const credits = await manage<{ balance_micros: number }>(`/members/${memberId}/credits`);
    expect(credits.balance_micros).toBe(5_000_000);

    // The same list in the dark theme.
    await page.getByRole("link", { name: "All members" }).click();
    await waitForText(row.locator("[data-requests-today]"), "1");
    await row.getByLabel("1 alert", { exact: true }).waitFor({ timeout: 15_000 });
    // The org's tab: the lab's spend is the server's, and the default member limits save.
    await page.getByRole("tab", { name: "Org limits" }).click();
    const org = await manage<Status>("/org/status");
    await waitForText(
      page.locator('[data-gauge="Lab spend today"]'),
      `${formatMoney(org.spend_today_micros)} · no cap`,
    );
    const defaults = page.getByRole("form", { name: "Default member limits" });
    await limitMode(defaults, "Tokens per minute", "Set");
    await defaults.getByLabel("Tokens per minute", { exact: true }).fill("100,000");
    await saveLimits(defaults);
    expect((await manage<{ set: object }>("/limits/default")).set).toEqual({ tpm: 100_000 });
    await tallScreenshot(page, "org-limits", 1300);
    await page.getByRole("tab", { name: "Members" }).click();

    // Dark as the OS says it (the theme follows the OS until someone picks one).
    await page.emulateMedia({ colorScheme: "dark" });
    await page.locator('html[data-mantine-color-scheme="dark"]').waitFor();
    await page.screenshot({ path: screenshotPath("members-dark"), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a member signed in with their key only their own account", async () => {
    expect(memberKey).not.toBe("");
    const { page, errors } = await openSignedIn(browser, t.url, memberKey);
    const nav = page.getByRole("navigation", { name: "Pages" });
    await expect(nav.getByRole("link", { name: "Members" }).count()).resolves.toBe(0);
    await openPage(page, "My account");
    await page.getByRole("heading", { name: NEW_NAME }).waitFor({ timeout: 15_000 });
    const keys = page.getByRole("table", { name: "API keys" });
    await keys
      .getByText(`${memberKey.slice(0, 8)}…${memberKey.slice(-4)}`)
      .waitFor({ timeout: 15_000 });
    // Their limits, read-only, as the owner set them; their own alert; their own numbers.
    const { set } = await manage<{ set: { daily_cap_micros: number } }>(
      `/members/${memberId}/limits`,
    );
    const limits = page.getByRole("table", { name: "Limits that apply" });
    const capRow = limits.getByRole("row", { name: /Daily spend cap/ });
    await waitForText(capRow, formatMoney(set.daily_cap_micros));
    await expect(
      limits.getByRole("row", { name: /Allowed models/ }).innerText(),
    ).resolves.toContain("Every model");
    await expect(page.getByRole("button", { name: "Save limits" }).count()).resolves.toBe(0);
    await expect(page.getByRole("form", { name: "Add credits" }).count()).resolves.toBe(0);
    await waitForText(page.locator('[data-stat="Requests today"] [data-value]'), "1");
    await page.getByRole("table", { name: "Alerts" }).getByText("100% of daily cap").waitFor();
    await waitForText(page.locator('[data-amount="Balance"]'), "$5.00");
    // Connect a tool: Claude Code's setup with this window's address, a model they may call,
    // the attribution header off, and a placeholder where the key goes (never their own key).
    const connect = page.getByRole("region", { name: "Connect a tool" });
    const claude = connect.getByLabel("Claude Code: Shell", { exact: true });
    // The first model their own /v1/models lists.
    const listed = (await (
      await fetch(`${t.url}/v1/models`, { headers: { authorization: `Bearer ${memberKey}` } })
    ).json()) as { data: { id: string }[] };
    await waitForText(claude, `export ANTHROPIC_MODEL='${listed.data[0]!.id}'`);
    const claudeText = await claude.innerText();
    expect(claudeText).toContain(`export ANTHROPIC_BASE_URL='${t.url}'`);
    expect(claudeText).toContain("export ANTHROPIC_AUTH_TOKEN='<your API key>'");
    expect(claudeText).toContain("export CLAUDE_CODE_ATTRIBUTION_HEADER='0'");
    await connect.getByText("only this machine can connect", { exact: false }).waitFor();

    await tallScreenshot(page, "my-account", 1400);

    const html = await page.content();
    expect(html).not.toContain(OTHER_NAME);
    expect(html).not.toContain(OWNER_NAME);
    // Keys are listed, never shown: not even the one used to sign in.
    expect(html).not.toContain(memberKey);
    // The staff-only members page is not reachable by URL either.
    await page.goto(`${t.url}/#/members`);
    await page.waitForURL(/#\/chat$/, { timeout: 15_000 });
    expect(await page.content()).not.toContain(OTHER_NAME);
    expect(errors).toEqual([]);
    await page.close();
  });
});
