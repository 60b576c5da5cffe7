import OpenAI from "openai";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { openPage, openSignedIn } from "../helpers/appPage.js";
import {
  builtRenderer,
  chromiumAvailable,
  launchChromium,
  screenshotPath,
} from "../helpers/chromium.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const haveChromium = chromiumAvailable();

/** Planted provider keys: they must reach the upstream and never the page. */
const CANARY = "sk-canary-7Hq2Zr9LmXw4Pt8Vb3Nc6Yd1Kf5Jg0Ts-q9Zk";
const GOOD_KEY = "sk-good-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56-w7Xe";

let t: TestServer;
let fake: FakeUpstream;
let browser: Browser;
/** Every event the management stream sent to staff during the tests (what the page follows). */
let eventsText = "";
const stopEvents = new AbortController();

beforeAll(async () => {
  if (!haveChromium) return;
  fake = await startFakeUpstream({ protocol: "openai", models: ["fast-a", "fast-b"] });
  t = await startTestServer({ rendererDir: builtRenderer() });
  browser = await launchChromium();
  const res = await fetch(`${t.url}/manage/v1/events`, {
    headers: t.auth,
    signal: stopEvents.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      eventsText += decoder.decode(value, { stream: true });
    }
  })();
});
afterAll(async () => {
  stopEvents.abort();
  await browser?.close();
  await t?.close();
  await fake?.close();
});

/** Records the body of every response the page receives (the event stream is read above). */
function recordResponses(page: Page): { bodies: string[]; settled(): Promise<void> } {
  const bodies: string[] = [];
  const pending: Promise<unknown>[] = [];
  page.on("response", (r) => {
    if ((r.headers()["content-type"] ?? "").includes("event-stream")) return;
    pending.push(
      r
        .text()
        .then((text) => bodies.push(`${r.url()}\n${text}`))
        .catch(() => undefined),
    );
  });
  return { bodies, settled: async () => void (await Promise.all(pending)) };
}

/** A full-page screenshot from the top (a scrolled page draws the fixed header mid-image). */
async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${t.url}/manage/v1${path}`, { headers: t.auth });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Picks `option` in the Mantine Select labelled `label`. */
async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole("combobox", { name: label, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

interface HealthRow {
  target_id: string;
  key_id: string;
  key_status: string;
  latency_ms: number | null;
}
interface PoolBody {
  targets: { upstream_model: string; health: HealthRow[] }[];
}

describe.skipIf(!haveChromium)("Connections & pools in Chromium", () => {
  it("adds a connection and a key, tests it, pools it; calls are served; a 401 key shows disabled live; the key never reaches the page", async () => {
    const { page, errors } = await openSignedIn(browser, t.url, t.core.ownerToken);
    const recorded = recordResponses(page);
    await openPage(page, "Connections");
    await page.getByRole("heading", { name: "Connections & pools" }).waitFor();

    // ── add a connection: defaults per kind, then a custom endpoint with a header ──
    await page.getByRole("link", { name: "Add connection" }).click();
    const baseUrl = page.getByRole("textbox", { name: "Base URL" });
    await expect(baseUrl.inputValue()).resolves.toBe("https://api.openai.com/v1");
    await choose(page, "Kind", "Groq");
    await expect(baseUrl.inputValue()).resolves.toBe("https://api.groq.com/openai/v1");
    await choose(page, "Kind", "OpenAI-compatible (custom)");
    await expect(baseUrl.inputValue()).resolves.toBe("");
    await page.getByRole("textbox", { name: "Name" }).fill("Lab vLLM");
    await baseUrl.fill("ftp://10.0.0.5/v1");
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByRole("textbox", { name: "Header 1 name" }).fill("Authorization");
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByText("The base URL must be an http or https URL.").waitFor();
    await page.getByText("'authorization' cannot be set here").waitFor();
    await expect(api<{ data: unknown[] }>("/connections")).resolves.toMatchObject({ data: [] });

    await baseUrl.fill(`${fake.url}/v1/`);
    await page.getByRole("textbox", { name: "Header 1 name" }).fill("X-Lab");
    await page.getByRole("textbox", { name: "Header 1 value" }).fill("bench");
    await page.getByRole("textbox", { name: "Region" }).fill("on-prem");
    await page.getByRole("textbox", { name: "Retention" }).fill("nothing kept");
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("heading", { name: "Lab vLLM" }).waitFor();
    const [conn] = (
      await api<{ data: { id: string; base_url: string; headers: object }[] }>("/connections")
    ).data;
    expect(conn).toMatchObject({ base_url: `${fake.url}/v1`, headers: { "x-lab": "bench" } });
    await page.getByText("x-lab: bench").waitFor();

    // ── add the canary key: afterwards only its last 4 are shown ──
    await page.getByRole("button", { name: "Add key" }).click();
    await page.getByRole("textbox", { name: "Key label" }).fill("canary");
    const keyInput = page.getByLabel("API key", { exact: true });
    await expect(keyInput.getAttribute("type")).resolves.toBe("password");
    await keyInput.fill(CANARY);
    await page.getByRole("button", { name: "Save key" }).click();
    const keys = page.getByRole("table", { name: "Provider keys" });
    await keys.getByText(`…${CANARY.slice(-4)}`).waitFor();
    await expect(page.getByLabel("API key", { exact: true }).count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(CANARY);

    // ── test it: latency and the upstream's models, as the server measured them ──
    const testAnswer = page.waitForResponse((r) =>
      r.url().endsWith(`/connections/${conn!.id}/test`),
    );
    await page.getByRole("button", { name: "Test connection" }).click();
    const tested = (await (await testAnswer).json()) as { ok: boolean; latency_ms: number };
    expect(tested.ok).toBe(true);
    await page.getByText(`Reached in ${tested.latency_ms} ms`).waitFor();
    const models = page.getByRole("list", { name: "Upstream models" });
    await expect(models.getByRole("listitem").allTextContents()).resolves.toEqual([
      "fast-a",
      "fast-b",
    ]);

    // ── a weighted pool of two targets ──
    await page.getByRole("link", { name: "← Connections & pools" }).click();
    await page.getByRole("link", { name: "New pool" }).click();
    await page.getByRole("textbox", { name: "Model id" }).fill("lab-chat");
    await choose(page, "Strategy", "Weighted");
    await page.getByRole("combobox", { name: "Target 1 upstream model" }).fill("fast-a");
    await page.getByRole("textbox", { name: "Target 1 weight" }).fill("3");
    await page.getByRole("button", { name: "Add target" }).click();
    await page.getByRole("combobox", { name: "Target 2 upstream model" }).fill("fast-b");
    await page.getByRole("textbox", { name: "Target 2 weight" }).fill("0");
    await page.getByRole("button", { name: "Create pool" }).click();
    await page.getByText("From 1 to 1000.").waitFor();
    await page.getByRole("textbox", { name: "Target 2 weight" }).fill("1");
    await page.getByText("75% of traffic").waitFor();
    await page.getByText("25% of traffic").waitFor();
    await page.getByRole("button", { name: "Create pool" }).click();
    await page.getByRole("heading", { name: "Pool lab-chat" }).waitFor();
    const pool = await api<PoolBody & { strategy: string }>("/pools/lab-chat");
    expect(pool.strategy).toBe("weighted");
    expect(pool.targets.map((x) => x.upstream_model)).toEqual(["fast-a", "fast-b"]);
    const health = page.getByRole("table", { name: "Pool health" });
    await expect(health.getByText("Healthy", { exact: true }).count()).resolves.toBe(2);

    // ── a member calls the pool with the official SDK and gets the upstream's answer ──
    const member = t.addMember({ name: "Ada" });
    const answer = await member.openai.chat.completions.create({
      model: "lab-chat",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 16,
    });
    expect(answer.choices[0]!.message.content).toBe("Hello from upstream");
    // Its latency shows up live on the route that served it.
    const served = (await api<PoolBody>("/pools/lab-chat")).targets
      .flatMap((x) => x.health)
      .find((h) => h.latency_ms !== null)!;
    await health
      .locator(`tr[data-target-id="${served.target_id}"]`)
      .getByText(`${served.latency_ms} ms`)
      .waitFor();
    await shoot(page, "pool-editor");

    // ── the upstream starts refusing the canary: after the next call, the UI shows it disabled ──
    fake.acceptKeys = [GOOD_KEY];
    const refused = await member.openai.chat.completions
      .create({ model: "lab-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 16 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    await expect
      .poll(() => health.getByText("Key disabled", { exact: true }).count(), { timeout: 15_000 })
      .toBe(2);
    await page.getByRole("link", { name: "← Connections & pools" }).click();
    await page.getByRole("link", { name: "Lab vLLM" }).click();
    const canaryRow = keys.locator("tr", { hasText: `…${CANARY.slice(-4)}` });
    await canaryRow.getByText("the upstream refused the key (401/403)").waitFor();
    await expect(
      canaryRow.getByRole("button", { name: "Re-enable key canary" }).count(),
    ).resolves.toBe(1);

    // ── a second key the upstream accepts: calls are served again ──
    await page.getByRole("button", { name: "Add key" }).click();
    await page.getByRole("textbox", { name: "Key label" }).fill("good");
    await page.getByLabel("API key", { exact: true }).fill(GOOD_KEY);
    await page.getByRole("button", { name: "Save key" }).click();
    await keys.getByText(`…${GOOD_KEY.slice(-4)}`).waitFor();
    const again = await member.openai.chat.completions.create({
      model: "lab-chat",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 16,
    });
    expect(again.choices[0]!.message.content).toBe("Hello from upstream");

    // ── usage matches the server's; a price set here is the pool's ──
    const usage = await api<{ totals: { requests: number; failed_attempts: number } }>(
      `/connections/${conn!.id}/usage`,
    );
    expect(usage.totals).toMatchObject({ requests: 2, failed_attempts: 2 });
    await expect
      .poll(() => page.getByLabel("Requests", { exact: true }).textContent(), { timeout: 15_000 })
      .toBe("2");
    await expect(page.getByLabel("Failed attempts", { exact: true }).textContent()).resolves.toBe(
      "2",
    );
    await page.getByRole("button", { name: "Edit price of lab-chat" }).click();
    await page.getByRole("textbox", { name: "Input, $ per million tokens" }).fill("0.15");
    await page.getByRole("textbox", { name: "Output, $ per million tokens" }).fill("0.60");
    await page.getByRole("button", { name: "Save price" }).click();
    await page.getByText("$0.15 in · $0.60 out per M").waitFor();
    const prices = await api<{ data: unknown[] }>("/prices");
    expect(prices.data).toEqual([
      {
        model: "lab-chat",
        input_micros_per_mtok: 150_000,
        output_micros_per_mtok: 600_000,
        billing_mode: "org",
      },
    ]);

    await shoot(page, "connection-detail");

    // ── re-enable the canary from the UI ──
    await canaryRow.getByRole("button", { name: "Re-enable key canary" }).click();
    await canaryRow.getByText("In use").waitFor();
    const canaryKey = (
      await api<{ keys: { last4: string; status: string }[] }>(`/connections/${conn!.id}`)
    ).keys.find((k) => k.last4 === CANARY.slice(-4));
    expect(canaryKey?.status).toBe("active");

    // ── the list, light and dark ──
    await page.getByRole("link", { name: "← Connections & pools" }).click();
    const row = page
      .getByRole("table", { name: "Connections" })
      .locator("tr", { hasText: "Lab vLLM" });
    await row.getByText("2", { exact: true }).waitFor();
    await row.getByText("on-prem · nothing kept").waitFor();
    await shoot(page, "connections");
    // Dark as a dark OS shows it (the app follows the OS until the user picks a theme).
    await page.emulateMedia({ colorScheme: "dark" });
    await page.getByRole("button", { name: "Switch to light theme" }).waitFor();
    await shoot(page, "connections-dark");

    // The canary reached the upstream, and never the page: not the DOM, not any response body
    // the page received, not the event stream it follows.
    expect(fake.requests.some((r) => r.headers.authorization === `Bearer ${CANARY}`)).toBe(true);
    expect(await page.content()).not.toContain(CANARY);
    await recorded.settled();
    expect(recorded.bodies.length).toBeGreaterThan(10);
    expect(recorded.bodies.filter((b) => b.includes(CANARY))).toEqual([]);
    expect(recorded.bodies.filter((b) => b.includes(GOOD_KEY))).toEqual([]);
    expect(eventsText).toContain("connection_key.problem");
    expect(eventsText).not.toContain(CANARY);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("is read-only for a viewer and absent for a member", async () => {
    const viewer = t.addMember({ name: "Vic", role: "viewer" });
    const v = await openSignedIn(browser, t.url, viewer.key, "connections");
    await v.page.getByRole("heading", { name: "Connections & pools" }).waitFor();
    await v.page.getByRole("link", { name: "Lab vLLM" }).waitFor();
    await expect(v.page.getByRole("link", { name: "Add connection" }).count()).resolves.toBe(0);
    await v.page.getByRole("link", { name: "Lab vLLM" }).click();
    await v.page.getByRole("table", { name: "Provider keys" }).waitFor();
    await expect(v.page.getByRole("button", { name: "Test connection" }).count()).resolves.toBe(0);
    await expect(
      v.page.getByRole("button", { name: /Disable key|Re-enable key/ }).count(),
    ).resolves.toBe(0);
    expect(v.errors).toEqual([]);
    await v.page.close();

    const member = t.addMember({ name: "Mo" });
    const m = await openSignedIn(browser, t.url, member.key, "connections");
    const nav = m.page.getByRole("navigation", { name: "Pages" });
    await nav.getByRole("link", { name: "Server" }).waitFor();
    await expect(nav.getByRole("link", { name: "Connections" }).count()).resolves.toBe(0);
    await expect(
      m.page.getByRole("heading", { name: "Connections & pools" }).count(),
    ).resolves.toBe(0);
    await m.page.close();
  });

  it("editing the base URL asks for the keys again; the stored key never reaches the new address", async () => {
    const other = await startFakeUpstream({ protocol: "openai" });
    try {
      const created = await fetch(`${t.url}/manage/v1/connections`, {
        method: "POST",
        headers: { ...t.auth, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Moving box",
          kind: "openai_compatible",
          base_url: `${fake.url}/v1`,
        }),
      });
      const { id } = (await created.json()) as { id: string };
      await fetch(`${t.url}/manage/v1/connections/${id}/keys`, {
        method: "POST",
        headers: { ...t.auth, "content-type": "application/json" },
        body: JSON.stringify({ label: "lab account", key: CANARY }),
      });
      const { page, errors } = await openSignedIn(
        browser,
        t.url,
        t.core.ownerToken,
        `connections/c/${id}/edit`,
      );
      const baseUrl = page.getByRole("textbox", { name: "Base URL" });
      await baseUrl.waitFor();
      await expect(page.getByText("Enter the keys again").count()).resolves.toBe(0);
      await baseUrl.fill(`${other.url}/v1`);
      await page.getByText("Enter the keys again").waitFor();
      await page.getByText(`The new base URL points to ${new URL(other.url).host}.`).waitFor();
      await expect(page.getByRole("textbox", { name: "Key 1 label" }).inputValue()).resolves.toBe(
        "lab account",
      );
      // Saving without the key is stopped in the form: nothing is sent.
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByText("Enter the key again.").waitFor();
      expect((await api<{ base_url: string }>(`/connections/${id}`)).base_url).toBe(
        `${fake.url}/v1`,
      );
      await page.getByLabel("Key 1", { exact: true }).fill(GOOD_KEY);
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("heading", { name: "Moving box" }).waitFor();
      const moved = await api<{ base_url: string; keys: { last4: string }[] }>(
        `/connections/${id}`,
      );
      expect(moved.base_url).toBe(`${other.url}/v1`);
      expect(moved.keys.map((k) => k.last4)).toEqual([GOOD_KEY.slice(-4)]);
      await page.getByRole("button", { name: "Test connection" }).click();
      await page.getByText("gpt-4o-mini").first().waitFor();
      expect(other.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${GOOD_KEY}`]);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await other.close();
    }
  });
});
