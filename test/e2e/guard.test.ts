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
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const EMAIL = "jo.tester@example.org";
// Mixed case with no run of the alphabet: gitleaks' stopwords would suppress such a token.
const TOKEN = "ghp_R8xK2mQv9LtZ4wPn7HsJ3dYc6FbN1gTe5Ua0";

/** GET a management route with the owner token. */
async function read<T>(path: string): Promise<T> {
  const res = await fetch(`${t.url}/manage/v1${path}`, { headers: t.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** The findings highlighted in the test box: each mark's type and the text it covers. */
function highlights(page: Page) {
  return page
    .locator("[data-highlighted] mark")
    .evaluateAll((marks) =>
      marks.map((m) => `${m.getAttribute("data-finding")}: ${m.firstChild?.textContent ?? ""}`),
    );
}

describe.skipIf(!haveChromium)("the guardrails page in Chromium", () => {
  it("sets the org policy to redact, tests a text, keeps bodies, and the usage page shows the guard", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    await openPage(page, "Guardrails");
    await page.getByRole("heading", { name: "Guardrails", level: 1 }).waitFor();
    const keyvault = page.getByRole("region", { name: "KeyVault" });
    await keyvault.getByText("Healthy", { exact: true }).waitFor();
    await keyvault.getByText("None: every remote request has its secrets redacted.").waitFor();

    // The org policy: redact every type, local models included (so a request to tiny shows it).
    const org = page.getByRole("form", { name: "Org policy" });
    await expect(org.getByRole("radio", { name: "Flag" }).isChecked()).resolves.toBe(true);
    await org.getByRole("radio", { name: "Redact" }).check();
    await org.getByRole("checkbox", { name: "Apply to local models too" }).check();
    await org.getByRole("button", { name: "Save org policy" }).click();
    await expect
      .poll(async () => (await read<{ org: { pii_mode: string } }>("/guard")).org.pii_mode)
      .toBe("redact");
    expect((await read<{ org: unknown }>("/guard")).org).toMatchObject({
      pii_mode: "redact",
      pii_types: null,
      apply_local: true,
      keep_local_model: null,
      restore: false,
    });

    // The test box: what a remote provider would receive, and each finding highlighted.
    const box = page.getByRole("form", { name: "Test the guard" });
    await box.getByLabel("Text").fill(`Mail ${EMAIL} the token ${TOKEN} please`);
    await box.getByRole("button", { name: "Check it" }).click();
    const redacted = page.locator("[data-redacted]");
    await redacted.waitFor();
    await expect(redacted.textContent()).resolves.toBe(
      "Mail [EMAIL_1] the token [SECRET_1] please",
    );
    await expect(highlights(page)).resolves.toEqual([`email: ${EMAIL}`, `github: ${TOKEN}`]);
    await expect(page.locator("[data-action]").textContent()).resolves.toBe(
      "Sent with the highlighted values replaced",
    );
    await expect(page.locator("[data-effective-mode]").textContent()).resolves.toBe(
      "Mode Redact, from the org's policy",
    );
    const findings = page.getByRole("table", { name: "Findings" });
    await expect(
      findings
        .locator("tbody tr")
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent).join(" | ")),
        ),
    ).resolves.toEqual([
      "Personal data | email | pii.email | [EMAIL_1]",
      expect.stringMatching(/^Secret \| github \| .+ \| \[SECRET_1\]$/),
    ]);

    // Body retention, org-wide (the owner's).
    const retention = page.getByRole("form", { name: "Body retention" });
    await retention.getByRole("switch", { name: "Keep request bodies" }).check();
    await retention.getByRole("button", { name: "Save retention" }).click();
    await expect
      .poll(
        async () =>
          (await read<{ body_retention_days: number | null }>("/settings")).body_retention_days,
      )
      .toBe(30);
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: screenshotPath("guard-page"), fullPage: true });

    // A member's request with an email in it: redacted on its way to tiny, body kept.
    const member = t.addMember({ name: "Mia Guarded" });
    await member.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: `write to ${EMAIL}` }],
      max_tokens: 2,
      temperature: 0,
    });
    const [row] = t.core.db
      .prepare("SELECT id, guard_json FROM usage WHERE member_id = ?")
      .all(member.id) as { id: string; guard_json: string }[];
    expect(JSON.parse(row!.guard_json)).toMatchObject({
      pii: { email: 1 },
      pii_action: "redacted",
    });

    await openPage(page, "Usage");
    const counts = page.getByRole("table", { name: "Guard counts" });
    await counts.waitFor();
    const countRows = () =>
      counts
        .getByRole("row")
        .evaluateAll((rows) =>
          rows.map(
            (r) => `${r.querySelector("th")!.textContent}: ${r.querySelector("td")!.textContent}`,
          ),
        );
    await expect(countRows()).resolves.toEqual(
      expect.arrayContaining([
        "Requests checked: 1",
        "With secrets: 0",
        "With personal data: 1",
        "Personal data by type: email ×1",
        "Personal data redacted: 1",
      ]),
    );
    const logRow = page.locator(`tbody tr[data-request-id="${row!.id}"]`);
    await expect(logRow.locator("[data-guard]").innerText()).resolves.toBe("PII redacted");
    await expect(logRow.locator("[data-model-version]").textContent()).resolves.toMatch(
      /^tiny.* sha256:/,
    );

    // The filter: only rows in which the guard found something.
    await page.getByRole("combobox", { name: "Guard", exact: true }).click();
    await page.getByRole("option", { name: "Found something", exact: true }).click();
    const settled = page.locator("table[aria-labelledby=usage-log-title][aria-busy=false]");
    await expect
      .poll(async () =>
        settled
          .locator("tbody tr")
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-request-id"))),
      )
      .toEqual([row!.id]);

    // The retained body: the request as tiny received it, redacted.
    await logRow.getByRole("button", { name: `View body of ${row!.id}` }).click();
    const dialog = page.getByRole("dialog", { name: `Request ${row!.id}` });
    const request = dialog.locator("[data-body=request]");
    await request.waitFor();
    const json = (await request.textContent()) ?? "";
    expect(json).toContain("write to [EMAIL_1]");
    expect(json).not.toContain(EMAIL);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("turns KeyVault off for a connection only after asking, and shows it off everywhere", async () => {
    const c = t.core.store.connections.create({
      name: "Own tenant",
      kind: "openai_compatible",
      baseUrl: "http://127.0.0.1:9/v1",
      headers: {},
      region: null,
      retention: null,
    });
    const { page, errors } = await openSignedIn(
      browser,
      t.url,
      t.core.ownerToken,
      `connections/c/${c.id}`,
    );
    const keyvault = page.getByRole("switch", { name: /^KeyVault: redact secrets/ });
    await expect(keyvault.isChecked()).resolves.toBe(true);
    await keyvault.click({ force: true });
    const confirm = page.getByRole("dialog", { name: "Turn KeyVault off for Own tenant?" });
    // Cancelled: nothing changes.
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect((await read<{ redact_secrets: boolean }>(`/connections/${c.id}`)).redact_secrets).toBe(
      true,
    );
    await keyvault.click({ force: true });
    await confirm.getByRole("button", { name: "Turn KeyVault off" }).click();
    await confirm.waitFor({ state: "detached" });
    await expect
      .poll(
        async () =>
          (await read<{ redact_secrets: boolean }>(`/connections/${c.id}`)).redact_secrets,
      )
      .toBe(false);
    await expect.poll(() => keyvault.isChecked()).toBe(false);

    await page.getByRole("link", { name: "← Connections & pools" }).click();
    const listRow = page.locator(`[data-connection-id="${c.id}"]`);
    await listRow.getByText("KeyVault off", { exact: true }).waitFor();

    await openPage(page, "Guardrails");
    const off = page.getByRole("list", { name: "Connections with KeyVault off" });
    // The page loads its data after it shows: wait for the list to name the connection.
    await expect.poll(() => off.getByRole("link").allTextContents()).toEqual(["Own tenant"]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lets a viewer read the policies and test texts, but not change anything", async () => {
    const viewer = t.addMember({ name: "Vic", role: "viewer" });
    const { page, errors } = await openSignedIn(browser, t.url, viewer.key, "guard");
    await page.getByRole("heading", { name: "Guardrails", level: 1 }).waitFor();
    const org = page.getByRole("form", { name: "Org policy" });
    await expect(org.getByRole("radio", { name: "Redact" }).isChecked()).resolves.toBe(true);
    await expect(org.getByRole("radio", { name: "Block" }).isDisabled()).resolves.toBe(true);
    await expect(page.getByRole("button", { name: "Save org policy" }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Add member policy" }).count()).resolves.toBe(0);
    await expect(page.getByRole("button", { name: "Save retention" }).count()).resolves.toBe(0);
    const box = page.getByRole("form", { name: "Test the guard" });
    await box.getByLabel("Text").fill(`to ${EMAIL}`);
    await box.getByRole("button", { name: "Check it" }).click();
    await expect(page.locator("[data-redacted]").textContent()).resolves.toBe("to [EMAIL_1]");
    expect(errors).toEqual([]);
    await page.close();
  });
});
