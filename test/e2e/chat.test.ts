import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { longRunningPrompt, startTestServer, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

let t: TestServer;
let browser: Browser;
let long: string;
beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  // Priced, so the answer's cost is not $0: 1 µ$ a prompt token, 2 µ$ a completion token.
  t.core.store.limits.setPrice({
    model: "tiny",
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 2_000_000,
    billing_mode: "org",
  });
  long = await longRunningPrompt(t);
  browser = await launchChromium();
}, 170_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A cost below a cent as the page writes it: every micro-dollar, no trailing zeros ($0.00003). */
const cents = (micros: number) => `$0.${String(micros).padStart(6, "0").replace(/0+$/, "")}`;

const answers = (page: Page) => page.locator('[data-role="assistant"]');
const messageBox = (page: Page) => page.getByLabel("Message", { exact: true });

/**
 * Temperature 0 through the settings panel: the tiny model's random weights then answer the same
 * way every time, so lengths are exact (the setting lasts until the page reloads).
 */
async function sampleGreedily(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Conversation settings" }).click();
  await page.getByLabel("Temperature", { exact: true }).fill("0");
  await page.getByRole("button", { name: "Conversation settings" }).click();
}

async function send(page: Page, text: string): Promise<void> {
  await messageBox(page).fill(text);
  await messageBox(page).press("Enter");
}

/** The newest usage row for the owner, as the ledger has it. */
const lastUsage = () =>
  t.core.db
    .prepare("SELECT * FROM usage WHERE member_id = ? ORDER BY created_ms DESC, rowid DESC")
    .get(t.core.ownerId) as {
    request_id: string;
    state: string;
    outcome: string | null;
    cost_micros: number | null;
    completion_tokens: number | null;
  };

describe.skipIf(!haveChromium)("the chat page in Chromium", () => {
  it("streams, saves, searches and stops; a member sees none of it", async () => {
    // Short answers for the first turn: a limit on the owner, lifted before the Stop test.
    t.core.store.limits.setLimits(t.core.ownerId, { max_tokens: 16 });
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken, "chat");
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model", exact: true }).inputValue(), {
        timeout: 15_000,
      })
      .toBe("tiny");
    // Where the picked model runs and its price (the owner may read prices).
    await expect(page.locator(".mantine-Select-description").textContent()).resolves.toBe(
      "This computer · $1.00 in · $2.00 out per 1M tokens",
    );

    await sampleGreedily(page);
    await send(page, long);
    const first = answers(page).first();
    await first.locator(".chat-metrics", { hasText: "out tokens" }).waitFor({ timeout: 60_000 });
    const usage = lastUsage();
    expect(usage).toMatchObject({ state: "settled", outcome: "ok", completion_tokens: 16 });
    const metrics = await first.locator(".chat-metrics").textContent();
    expect(metrics).toMatch(
      /^\d+ in · 16 out tokens · first token \d+ ms · [\d.]+ tokens\/s · \$0\.\d{6} · cut off at the token limit$/,
    );
    expect(metrics).toContain(` ${cents(usage.cost_micros!)} `);
    const answerText = await first.locator(".chat-markdown").textContent();
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Title", { exact: true }).fill("Hello from the browser");
    await page.getByLabel("Title", { exact: true }).press("Enter");

    // Saved: after a reload the conversation is listed, opens, and search finds it.
    await page.reload();
    const list = page.getByRole("navigation", { name: "Conversations" });
    await list.getByText("Hello from the browser").click({ timeout: 15_000 });
    await answers(page).first().locator(".chat-metrics", { hasText: "out tokens" }).waitFor();
    await expect(answers(page).first().locator(".chat-markdown").textContent()).resolves.toBe(
      answerText,
    );
    const search = page.getByLabel("Search conversations");
    await search.fill("browser");
    await list.locator("mark", { hasText: "browser" }).waitFor({ timeout: 10_000 });
    await search.fill("zebraquagga");
    await page.getByText("No conversation matches.").waitFor({ timeout: 10_000 });
    await search.fill("");

    // Stop during a long answer: the stream ends, the partial text stays, the ledger settles.
    t.core.store.limits.setLimits(t.core.ownerId, {});
    await page.getByRole("button", { name: "New chat" }).click();
    await sampleGreedily(page);
    await send(page, long);
    await page.getByText("Answering…").waitFor({ timeout: 60_000 });
    const streaming = answers(page).last().locator(".chat-markdown");
    await streaming.waitFor({ timeout: 60_000 });
    await page.getByRole("button", { name: "Stop" }).click();
    const stopped = answers(page).last().locator(".chat-metrics", { hasText: "stopped" });
    await stopped.waitFor({ timeout: 30_000 });
    expect((await streaming.textContent())!.length).toBeGreaterThan(0);
    await expect(page.getByRole("button", { name: "Send", exact: true }).count()).resolves.toBe(1);
    const aborted = lastUsage();
    for (let i = 0; i < 100 && lastUsage().state !== "settled"; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(lastUsage()).toMatchObject({
      request_id: aborted.request_id,
      state: "settled",
      outcome: "aborted",
    });
    const cost = lastUsage().cost_micros!;
    await answers(page)
      .last()
      .locator(".chat-metrics", { hasText: `${cents(cost)} ·` })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: screenshotPath("chat"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();

    // A member on their own browser sees none of the owner's chats, listed or searched.
    const member = t.addMember({ name: "Mia" });
    const other = await openSignedIn(browser, t.url, member.key, "chat");
    await other.page.getByText("No conversations yet.").waitFor({ timeout: 15_000 });
    await other.page.getByLabel("Search conversations").fill("browser");
    await other.page.getByText("No conversation matches.").waitFor({ timeout: 10_000 });
    await expect(other.page.getByText("Hello from the browser").count()).resolves.toBe(0);
    expect(other.errors).toEqual([]);
    await other.page.close();
  });
});
