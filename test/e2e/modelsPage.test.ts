import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import type { LocalModelDto } from "../../src-main/contract/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage, openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { formatBytes } from "../../src-renderer/features/models/formatBytes.js";
import { TINY_MODEL } from "../fixtures/gguf/makeLlamaModel.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { startFakeModelServer, type FakeModelServer } from "../models/fakeModelServer.js";

const haveChromium = chromiumAvailable();

let t: TestServer;
let host: FakeModelServer;
let browser: Browser;
const source = fs.readFileSync(generatedModel());
// A training context of 2^24 tokens: the dialog accepts a context far above the memory budget.
const huge = generatedModel({ ...TINY_MODEL, contextLength: 1 << 24 }, "tiny-huge-ctx");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-models-page-"));

beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({
    rendererDir: builtRenderer(),
    models: { tiny: generatedModel(), huge },
    // Room for the tiny models with any settings the tests give them, and a limit that does not
    // depend on this machine's RAM. (Estimating a context of many millions of cells takes the
    // server seconds, so the refused one stays near a million.)
    engine: { memoryBudgetMb: 1024 },
  });
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

  it("edits a loaded model's load settings: it reloads, the table and the API show them", async () => {
    const manage = (p: string, init: RequestInit = {}) =>
      fetch(`${t.url}/manage/v1${p}`, { ...init, headers: { ...t.auth, ...init.headers } });
    const model = async (id: string) =>
      (await (await manage(`/models/${id}`)).json()) as LocalModelDto;
    // Loaded (the first test loads it too; this one must not depend on that).
    if ((await model("tiny")).state !== "loaded")
      expect((await manage("/models/tiny/load", { method: "POST" })).status).toBe(200);
    const loads = t.core.engine.loadCounts.get("tiny")!;

    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    await openPage(page, "Models");
    const tiny = page.locator("tr[data-model-id=tiny]");
    await tiny.locator("[data-state=loaded]").waitFor({ timeout: 15_000 });
    // The test server's engine runs every model at 512 tokens × 4 sequences by default.
    await expect(tiny.locator("[data-effective-context]").textContent()).resolves.toBe("512");
    await expect(tiny.locator("[data-effective-sequences]").textContent()).resolves.toBe(
      "× 4 sequences",
    );

    const opener = page.getByRole("button", { name: "Load settings of tiny" });
    await opener.click();
    const dialog = page.getByRole("dialog", { name: "Load settings of tiny" });
    await dialog.waitFor();
    await expect(dialog.getByLabel("Context size", { exact: true }).isDisabled()).resolves.toBe(
      true,
    );
    const mode = (field: string, label: string) =>
      dialog
        .getByRole("radiogroup", { name: `${field}: how it is set` })
        .getByText(label, { exact: true })
        .click();
    await mode("Context size", "Set");
    await mode("Sequences", "Set");
    // Above the training context (4,096): refused here, as the server would, with its limits.
    await dialog.getByLabel("Context size", { exact: true }).fill("8192");
    await dialog.getByLabel("Sequences", { exact: true }).fill("2");
    await dialog.getByRole("button", { name: "Save settings" }).click();
    await dialog
      .getByText("Between 64 and 4,096, the context the model was trained with.")
      .waitFor();
    expect(t.core.engine.loadCounts.get("tiny")).toBe(loads);

    await dialog.getByLabel("Context size", { exact: true }).fill("1,024");
    await dialog.getByRole("button", { name: "Save settings" }).click();
    await dialog
      .getByRole("status")
      .getByText("Reloaded with a 1,024-token context and 2 sequences.")
      .waitFor({ timeout: 60_000 });
    expect(t.core.engine.loadCounts.get("tiny")).toBe(loads + 1);
    await expect(dialog.locator("[data-effective='Context size']").textContent()).resolves.toBe(
      "Now: 1,024 tokens per sequence",
    );
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    // The focus goes back to the button that opened the dialog.
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')"))
      .toBe("Load settings of tiny");

    await expect(
      tiny.locator("[data-effective-context]").getAttribute("data-effective-context"),
    ).resolves.toBe("1024");
    await expect(tiny.locator("[data-effective-sequences]").textContent()).resolves.toBe(
      "× 2 sequences",
    );
    const api = await model("tiny");
    expect(api.settings).toMatchObject({ context_size: 1024, sequences: 2, gpu_layers: null });
    expect(api.effective).toMatchObject({ context_size: 1024, context_auto: false, sequences: 2 });
    expect(t.core.engine.status().find((s) => s.id === "tiny")!.info).toMatchObject({
      contextSize: 1024,
      sequences: 2,
    });
    expect(errors).toEqual([]);

    // Settings beyond the memory budget: the server's 400 and its advice show in the dialog.
    await page.getByRole("button", { name: "Load settings of huge" }).click();
    const hugeDialog = page.getByRole("dialog", { name: "Load settings of huge" });
    await hugeDialog
      .getByRole("radiogroup", { name: "Context size: how it is set" })
      .getByText("Set", { exact: true })
      .click();
    await hugeDialog.getByLabel("Context size", { exact: true }).fill("1,048,576");
    await hugeDialog.getByRole("button", { name: "Save settings" }).click();
    const alert = hugeDialog.getByRole("alert");
    await alert.getByText("Not saved").waitFor({ timeout: 30_000 });
    await expect(alert.textContent()).resolves.toMatch(
      /with context 1048576 × 4 sequences needs about \d+ MiB, more than this machine may use \(engine\.memoryBudgetMb\)\. Lower the context size or the sequences/,
    );
    expect((await model("huge")).settings.context_size).toBeNull();
    await page.screenshot({ path: screenshotPath("model-load-settings") });
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
    // Load settings included: viewers read what each model runs with in the table only.
    await expect(
      page.getByRole("button", { name: /^(Load|Unload|Delete) / }).count(),
    ).resolves.toBe(0);
    await expect(
      page.locator("tr[data-model-id=tiny] [data-effective-sequences]").count(),
    ).resolves.toBe(1);
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
