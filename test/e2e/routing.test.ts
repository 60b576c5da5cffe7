import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage, openSignedIn } from "../helpers/appPage.js";
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

beforeAll(async () => {
  if (!haveChromium) return;
  // The grammar classifier's prompt (every category's description) is ~500 tokens with the tiny
  // model's byte-level vocabulary: more than the test server's default context.
  t = await startTestServer({ rendererDir: builtRenderer(), engine: { contextSize: 2048 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A Mantine Select's input (a combobox named by its label). */
const combobox = (scope: Page | ReturnType<Page["getByRole"]>, label: string) =>
  scope.getByRole("combobox", { name: label, exact: true });

async function pick(
  page: Page,
  scope: Page | ReturnType<Page["getByRole"]>,
  label: string,
  option: string,
) {
  await combobox(scope, label).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

/** The try-it box's answer, as `label: value` lines. */
async function answer(page: Page): Promise<string[]> {
  const table = page.getByRole("table", { name: "Where it would go" });
  await table.waitFor();
  return table
    .getByRole("row")
    .evaluateAll((rows) =>
      rows.map(
        (r) => `${r.querySelector("th")!.textContent}: ${r.querySelector("td")!.textContent}`,
      ),
    );
}

describe.skipIf(!haveChromium)("the routing page in Chromium", () => {
  it("creates an alias with a fallback chain and tries prompts against it and auto", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    await openPage(page, "Routing");
    await page.getByRole("heading", { name: "Routing" }).waitFor();
    // The route table lists the built-in categories; nothing is routed to a target of its own.
    const table = page.getByRole("table", { name: "Route table" });
    await expect(
      table
        .locator("tbody tr")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-category"))),
    ).resolves.toEqual(["simple", "general", "reasoning", "code", "embedding"]);

    // A new alias: tiny first, then the alias `backup` (made through the API) after it.
    const owner = { ...t.auth, "content-type": "application/json" };
    const backup = await fetch(`${t.url}/manage/v1/routing/aliases/backup`, {
      method: "PUT",
      headers: owner,
      body: JSON.stringify({ targets: ["tiny"] }),
    });
    expect(backup.status).toBe(200);
    await page.getByRole("button", { name: "New alias" }).click();
    const dialog = page.getByRole("dialog", { name: "New alias" });
    await dialog.getByLabel("Model id").fill("lab-coder");
    await dialog.getByLabel("Description").fill("Code questions");
    for (const target of ["backup", "tiny"]) {
      await pick(page, dialog, "Target to add", target);
      await dialog.getByRole("button", { name: "Add target" }).click();
    }
    // Reordered: tiny is tried first.
    await dialog.getByRole("button", { name: "Move tiny up" }).click();
    await pick(page, dialog, "Categories", "code");
    await page.keyboard.press("Escape");
    await dialog.getByRole("button", { name: "Create alias" }).click();
    await dialog.waitFor({ state: "detached" });
    const row = page.locator('[data-alias="lab-coder"]');
    await expect(row.locator("td").nth(1).textContent()).resolves.toBe("tiny → backup");
    const routing = (await (
      await fetch(`${t.url}/manage/v1/routing`, { headers: t.auth })
    ).json()) as {
      aliases: { id: string; description: string; targets: string[]; categories: string[] }[];
    };
    expect(
      routing.aliases.map(({ id, description, targets, categories }) => ({
        id,
        description,
        targets,
        categories,
      })),
    ).toEqual([
      { id: "backup", description: "", targets: ["tiny"], categories: [] },
      {
        id: "lab-coder",
        description: "Code questions",
        targets: ["tiny", "backup"],
        categories: ["code"],
      },
    ]);

    // Try it: through the alias, its chain (aliases expanded, each model once), no classifier.
    const tryBox = page.getByRole("form", { name: "Try a prompt" });
    await tryBox.getByLabel("Prompt").fill("Why does my regex not match newlines?");
    await pick(page, tryBox, "Model", "lab-coder");
    await tryBox.getByRole("button", { name: "Route it" }).click();
    await expect(answer(page)).resolves.toEqual([
      "Requested: lab-coder",
      "Category: code",
      "Reason: An alias: its targets in order",
      "Classifier: —",
      "Score: —",
      "Targets, in order: tiny",
      "Classifier tokens: 0",
    ]);
    // And through auto: the grammar classifier picks a category, as a dry run of the API says.
    await pick(page, tryBox, "Model", "auto");
    await tryBox.getByRole("button", { name: "Route it" }).click();
    await page.getByRole("cell", { name: "auto", exact: true }).waitFor();
    const dry = (await (
      await fetch(`${t.url}/manage/v1/routes/test`, {
        method: "POST",
        headers: owner,
        body: JSON.stringify({ model: "auto", prompt: "Why does my regex not match newlines?" }),
      })
    ).json()) as { category: string; classifier_tokens: number };
    expect(dry.classifier_tokens).toBeGreaterThan(0);
    await expect(answer(page)).resolves.toEqual([
      "Requested: auto",
      `Category: ${dry.category}`,
      "Reason: Classified into this category",
      "Classifier: grammar",
      "Score: —",
      "Targets, in order: tiny",
      `Classifier tokens: ${dry.classifier_tokens.toLocaleString("en-US")}`,
    ]);
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: screenshotPath("routing-page"), fullPage: true });

    // A request through the alias shows its route in the usage log.
    const member = t.addMember({ name: "Cody" });
    await member.openai.chat.completions.create({
      model: "lab-coder",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
      temperature: 0,
    });
    await openPage(page, "Usage");
    const route = page.locator("tbody [data-route]").first();
    await expect.poll(() => route.innerText(), { timeout: 15_000 }).toBe("code → tiny");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lets a viewer look and try, but not change anything", async () => {
    const viewer = t.addMember({ name: "Val", role: "viewer" });
    const { page, errors } = await openSignedIn(browser, t.url, viewer.key, "routing");
    await page.getByRole("heading", { name: "Routing" }).waitFor();
    await page.locator('[data-alias="lab-coder"]').waitFor();
    await expect(page.getByRole("button", { name: "New alias" }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "New category" }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Save settings" }).count()).resolves.toBe(0);
    const tryBox = page.getByRole("form", { name: "Try a prompt" });
    await tryBox.getByLabel("Prompt").fill("hello");
    await pick(page, tryBox, "Model", "backup");
    await tryBox.getByRole("button", { name: "Route it" }).click();
    await expect(answer(page)).resolves.toContain("Targets, in order: tiny");
    expect(errors).toEqual([]);
    await page.close();
  });
});
