import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src-main/server/manage/usageCsv.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { openPage, openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

let t: TestServer;
let browser: Browser;
let upstreamA: FakeUpstream;
let upstreamB: FakeUpstream;
let alice: TestMember;
let bob: TestMember;
const POOL = "gpt-4o-mini";

/** Claude Code's session id on Alice's two local requests: one row in the Sessions table. */
const SESSION = "5f1c2a9e-7b3d-4c11-8e2a-agent-task";

const chat = (m: TestMember, model: string, content: string, session?: string) =>
  m.openai.chat.completions.create(
    {
      model,
      messages: [{ role: "user", content }],
      max_tokens: 3,
      temperature: 0,
    },
    session ? { headers: { "x-claude-code-session-id": session } } : {},
  );

beforeAll(async () => {
  if (!haveChromium) return;
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
  // A remote pool over two fake upstreams: the first target answers 500 once, so one request
  // fails over to the second (two usage rows, one request).
  upstreamA = await startFakeUpstream({ protocol: "openai" });
  upstreamB = await startFakeUpstream({ protocol: "openai" });
  const { connections, pools } = t.core.store;
  const connection = (name: string, url: string) => {
    const c = connections.create({
      name,
      kind: "openai_compatible",
      baseUrl: `${url}/v1`,
      headers: {},
      region: null,
      retention: null,
    });
    const secret = t.core.cipher.encrypt(`sk-${name.replace(/\W/g, "")}-000000000000`);
    connections.addKey({ connectionId: c.id, label: "main", secret, last4: "0000" });
    return c.id;
  };
  pools.put({
    id: POOL,
    strategy: "priority",
    maxAttempts: 3,
    targets: [
      {
        connectionId: connection("Upstream A", upstreamA.url),
        upstreamModel: POOL,
        priority: 0,
        weight: 1,
      },
      {
        connectionId: connection("Upstream B", upstreamB.url),
        upstreamModel: POOL,
        priority: 1,
        weight: 1,
      },
    ],
  });
  for (const [model, input, output] of [
    ["tiny", 1_000_000, 2_000_000],
    [POOL, 150_000, 600_000],
  ] as const) {
    const res = await fetch(`${t.url}/manage/v1/prices/${model}`, {
      method: "PUT",
      headers: { ...t.auth, "content-type": "application/json" },
      body: JSON.stringify({
        input_micros_per_mtok: input,
        output_micros_per_mtok: output,
        billing_mode: "org",
      }),
    });
    expect(res.status).toBe(200);
  }
  alice = t.addMember({ name: "Alice Usage" });
  bob = t.addMember({ name: "Bob Usage" });
  await chat(alice, "tiny", "hello", SESSION);
  await chat(alice, "tiny", "a longer question here", SESSION);
  upstreamA.script({ kind: "error", status: 500 });
  await chat(alice, POOL, "remote please");
  await chat(bob, "tiny", "bonjour");
  await chat(bob, POOL, "remote too");
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await upstreamA?.close();
  await upstreamB?.close();
});

interface Totals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
}
/** Settled totals (and every row's id, newest first) straight from the usage table. */
function ledger(memberId?: string) {
  const where = memberId ? "WHERE member_id = ?" : "";
  const args = memberId ? [memberId] : [];
  const totals = t.core.db
    .prepare(
      `SELECT count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
         sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros
       FROM usage ${where ? `${where} AND` : "WHERE"} state = 'settled'`,
    )
    .get(...args) as Totals;
  const rows = t.core.db
    .prepare(`SELECT id, provider, attempt FROM usage ${where} ORDER BY created_ms DESC, id DESC`)
    .all(...args) as { id: string; provider: string; attempt: number }[];
  return { totals, rows };
}

/** Exact dollars of micro-dollars, as the page writes them: `$0.000037`, `$1.50`. */
function dollars(micros: number): string {
  const fraction = String(micros % 1_000_000)
    .padStart(6, "0")
    .replace(/0+$/, "")
    .padEnd(2, "0");
  return `$${Math.floor(micros / 1_000_000).toLocaleString("en-US")}.${fraction}`;
}

const stat = (page: Page, label: string) =>
  page.getByRole("group", { name: label, exact: true }).locator("[data-stat=value]");

async function expectTotals(page: Page, totals: Totals) {
  const tokens = totals.prompt_tokens + totals.completion_tokens;
  await stat(page, "Requests").getByText(String(totals.requests), { exact: true }).waitFor();
  await expect(stat(page, "Tokens").textContent()).resolves.toBe(tokens.toLocaleString("en-US"));
  await expect(stat(page, "Cost").textContent()).resolves.toBe(dollars(totals.cost_micros));
}

const logTable = (page: Page) => page.getByRole("table", { name: "Request log" });
/** The log's row ids once `count` rows show and no page is loading (filters load asynchronously). */
async function logIds(page: Page, count: number): Promise<string[]> {
  // Locators only: the page's CSP (script-src 'self') refuses waitForFunction's string eval.
  const settled = page.locator("table[aria-labelledby=usage-log-title][aria-busy=false]");
  const rows = settled.locator("tbody tr");
  await expect
    .poll(async () => (await settled.count()) === 1 && (await rows.count()) === count, {
      timeout: 15_000,
    })
    .toBe(true);
  return rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-request-id") ?? ""));
}

/** A Mantine Select's input (a combobox named by its label). */
const selectInput = (page: Page, label: string) =>
  page.getByRole("combobox", { name: label, exact: true });

async function pick(page: Page, label: string, option: string) {
  await selectInput(page, label).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

describe.skipIf(!haveChromium)("the usage page in Chromium", () => {
  it("shows the lab's totals, charts, tables and log as the server counts them; filters and exports the log", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    await openPage(page, "Usage");
    const all = ledger();
    expect(all.rows).toHaveLength(6); // 5 requests, one of them two attempts
    await expectTotals(page, all.totals);
    expect(await logIds(page, 6)).toEqual(all.rows.map((r) => r.id));

    const topMembers = page.getByRole("table", { name: "Top members" });
    await expect(topMembers.locator("tbody tr td:first-child").allTextContents()).resolves.toEqual(
      expect.arrayContaining(["Alice Usage", "Bob Usage"]),
    );
    const topModels = page.getByRole("table", { name: "Top models" });
    await expect(topModels.locator("tbody tr").count()).resolves.toBe(2);
    const latency = page.getByRole("table", { name: "Latency" });
    await expect(latency.locator("tbody tr td:first-child").allTextContents()).resolves.toEqual([
      POOL,
      "tiny",
    ]);
    await page.getByText("Local vs remote", { exact: true }).click();
    const costChart = page.getByRole("figure", { name: "Cost per day" });
    await costChart.getByText("Remote", { exact: true }).waitFor();
    await costChart.getByText("Local", { exact: true }).waitFor();
    await page.screenshot({ path: screenshotPath("usage"), fullPage: true });

    // Filters narrow the log to exactly the rows the ledger has.
    await pick(page, "Provider", "Remote (any)");
    const remote = all.rows.filter((r) => r.provider !== "local").map((r) => r.id);
    expect(remote).toHaveLength(3);
    expect(await logIds(page, 3)).toEqual(remote);
    await pick(page, "Fallback", "Failed over");
    const failedOver = ledger(alice.id).rows.filter((r) => r.provider !== "local");
    expect(await logIds(page, 2)).toEqual(failedOver.map((r) => r.id));
    await pick(page, "Member", "Bob Usage");
    expect(await logIds(page, 0)).toEqual([]);

    // Sessions: Alice's two requests sent with Claude Code's session id are one row, with their
    // cost; its button narrows the log to them.
    await page.reload();
    await openPage(page, "Usage");
    const session = page
      .getByRole("table", { name: "Sessions" })
      .locator(`tr[data-session-id="${SESSION}"]`);
    await session.waitFor();
    const inSession = t.core.db
      .prepare(
        "SELECT id, cost_micros FROM usage WHERE session_id = ? ORDER BY created_ms DESC, id DESC",
      )
      .all(SESSION) as { id: string; cost_micros: number }[];
    expect(inSession).toHaveLength(2);
    const cells = await session.locator("td").allTextContents();
    expect(cells.slice(0, 4)).toEqual(["5f1c2a9e…", "Alice Usage", "tiny", "2"]);
    expect(cells[5]).toBe(dollars(inSession.reduce((a, r) => a + r.cost_micros, 0)));
    await session.getByRole("button", { name: `Show the requests of session ${SESSION}` }).click();
    expect(await logIds(page, 2)).toEqual(inSession.map((r) => r.id));

    // CSV: fetched with the key in a header, never in a URL; the file is the server's rows.
    await page.reload();
    await openPage(page, "Usage");
    await pick(page, "Member", "Bob Usage");
    const bobRows = ledger(bob.id).rows.map((r) => r.id);
    expect(await logIds(page, 2)).toEqual(bobRows);
    const asked: { url: string; auth?: string }[] = [];
    page.on("request", (r) => asked.push({ url: r.url(), auth: r.headers().authorization }));
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^benchtop-requests-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(bobRows);
    const exported = asked.find((r) => new URL(r.url).pathname.endsWith("/usage/requests.csv"))!;
    expect(exported.auth).toBe(`Bearer ${t.core.ownerToken}`);
    expect(exported.url).not.toContain(t.core.ownerToken);
    expect(new URL(exported.url).searchParams.get("member_id")).toBe(bob.id);
    await logTable(page).screenshot({ path: screenshotPath("usage-request-log") });

    // Live: a request settling elsewhere shows up without a reload.
    await chat(bob, "tiny", "one more");
    await expectTotals(page, ledger().totals);

    await page.emulateMedia({ colorScheme: "dark" });
    // From the top: a full-page shot of a scrolled page draws the fixed header mid-page.
    await page.getByRole("heading", { name: "Usage", level: 1 }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("usage-dark"), fullPage: true });

    // Day: hourly buckets over the last 24 hours, which hold every request of this test.
    await page.getByText("Day", { exact: true }).click();
    await page.getByRole("figure", { name: "Cost per hour" }).waitFor();
    await expectTotals(page, ledger().totals);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a member only their own usage, with no other member's filters", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, alice.key);
    await openPage(page, "Usage");
    const mine = ledger(alice.id);
    await expectTotals(page, mine.totals);
    expect(await logIds(page, mine.rows.length)).toEqual(mine.rows.map((r) => r.id));
    await expect(selectInput(page, "Member").count()).resolves.toBe(0);
    await expect(page.getByRole("table", { name: "Top members" }).count()).resolves.toBe(0);
    await expect(page.getByText("Member", { exact: true }).count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain("Bob Usage");
    await page.screenshot({ path: screenshotPath("usage-member"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
