import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage, openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { formatBytes } from "../../src-renderer/features/models/formatBytes.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { startFakeModelServer, type FakeModelServer } from "../models/fakeModelServer.js";

const haveChromium = chromiumAvailable();

let t: TestServer;
let host: FakeModelServer;
let browser: Browser;
const source = fs.readFileSync(generatedModel());
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-models-page-"));

beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  host = await startFakeModelServer(source);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await host?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("the Models page in Chromium", () => {
  it("shows the models with fit and memory, loads one, downloads one live, deletes it", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    await openPage(page, "Models");
    const table = page.getByRole("table", { name: "Local models" });
    const tiny = table.locator("tr[data-model-id=tiny]");
    await tiny.waitFor({ timeout: 15_000 });
    await expect(tiny.locator("[data-fit]").textContent()).resolves.toBe("Fits in RAM (CPU)");
    await expect(tiny.locator("[data-state]").textContent()).resolves.toBe("Not loaded");
    await page.getByRole("progressbar", { name: "RAM: everything else" }).waitFor();
    await expect(page.locator("[data-catalog-id]").count()).resolves.toBe(8);

    // Load: the row turns "Loaded" with the bytes the engine reports.
    await page.getByRole("button", { name: "Load tiny" }).click();
    await tiny.locator("[data-state=loaded]").waitFor({ timeout: 60_000 });
    expect(t.core.engine.status().map((s) => [s.id, s.state])).toEqual([["tiny", "ready"]]);

    // A download held at half its bytes shows its progress; released, the model appears.
    const half = Math.floor(source.length / 2);
    const gate = host.gate(half);
    await page.getByLabel("GGUF file URL").fill(`${host.url}/files/fresh.gguf`);
    await page.getByRole("button", { name: "Download", exact: true }).click();
    const row = page.locator("tr[data-download-id]");
    await row
      .getByText(`${formatBytes(half)} of ${formatBytes(source.length)}`, { exact: false })
      .waitFor({ timeout: 15_000 });
    await expect(row.getAttribute("data-state")).resolves.toBe("downloading");
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: screenshotPath("models"), fullPage: true });
    gate.release();
    await page.locator("tr[data-download-id][data-state=completed]").waitFor({ timeout: 30_000 });
    const fresh = table.locator("tr[data-model-id=fresh]");
    await fresh.waitFor({ timeout: 15_000 });
    expect(fs.readFileSync(path.join(t.core.paths.modelsDir, "fresh.gguf")).equals(source)).toBe(
      true,
    );

    // Delete asks first, then the row and the file are gone.
    await page.getByRole("button", { name: "Delete fresh" }).click();
    await page.getByRole("button", { name: "Delete model" }).click();
    await fresh.waitFor({ state: "detached", timeout: 15_000 });
    expect(fs.existsSync(path.join(t.core.paths.modelsDir, "fresh.gguf"))).toBe(false);

    expect(errors).toEqual([]);
    // An import of a file that is not GGUF shows the server's reason (the console notes the 400).
    const notes = path.join(scratch, "notes.gguf");
    fs.writeFileSync(notes, "not a model");
    await page.getByLabel("Path on the server").fill(notes);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page
      .getByText("The file is not a GGUF model (it does not start with the GGUF magic bytes).")
      .waitFor({ timeout: 15_000 });
    expect(errors).toEqual([
      "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
    await page.close();
  });

  it("a viewer sees the page without actions; a member has no Models page", async () => {
    const viewer = t.addMember({ role: "viewer" });
    const { page, errors } = await openSignedIn(browser, t.url, viewer.key);
    await openPage(page, "Models");
    await page.locator("tr[data-model-id=tiny]").waitFor({ timeout: 15_000 });
    await expect(
      page.getByRole("button", { name: /^(Load|Unload|Delete) / }).count(),
    ).resolves.toBe(0);
    await expect(page.getByLabel("GGUF file URL").count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: /^Download / }).count()).resolves.toBe(0);
    expect(errors).toEqual([]);
    await page.close();

    const member = t.addMember();
    const m = await openSignedIn(browser, t.url, member.key);
    const nav = m.page.getByRole("navigation", { name: "Pages" });
    await expect(nav.getByRole("link", { name: "Models" }).count()).resolves.toBe(0);
    await m.page.close();
  });
});
