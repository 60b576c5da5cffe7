import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentSecurityPolicy,
  withContentSecurityPolicy,
} from "../../src-main/shell/contentSecurityPolicy.js";
import { launchChromium } from "../helpers/chromium.js";

describe("contentSecurityPolicy", () => {
  it("is exactly this policy for the API's origin", () => {
    expect(contentSecurityPolicy("http://127.0.0.1:4747/ignored/path")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self' http://127.0.0.1:4747; worker-src 'self'; manifest-src 'self'; " +
        "media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it("never allows eval or inline scripts", () => {
    const csp = contentSecurityPolicy("http://[::1]:4747");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("connect-src 'self' http://[::1]:4747;");
    const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src "));
    expect(scriptSrc).toBe("script-src 'self'");
  });
});

describe("withContentSecurityPolicy", () => {
  it("replaces the server's policies (any capitalisation) and keeps every other header", () => {
    expect(
      withContentSecurityPolicy(
        {
          "content-type": ["text/html"],
          "Content-Security-Policy": ["default-src *"],
          "CONTENT-SECURITY-POLICY-REPORT-ONLY": "default-src *",
          "x-request-id": ["abc"],
        },
        "default-src 'self'",
      ),
    ).toEqual({
      "content-type": ["text/html"],
      "x-request-id": ["abc"],
      "Content-Security-Policy": ["default-src 'self'"],
    });
    expect(withContentSecurityPolicy(undefined, "x")).toEqual({ "Content-Security-Policy": ["x"] });
  });
});

/**
 * The policy as Chromium (Electron's engine) enforces it, on a page served with the header the
 * window adds: what runs, what loads, what the page may call.
 */
describe("in Chromium", () => {
  let app: http.Server;
  let other: http.Server;
  let appOrigin: string;
  let otherOrigin: string;
  let browser: Browser;

  const listen = async (server: http.Server) => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  // The page's own checks, run from an allowed external script; results land in window.results.
  const probeScript = (target: string) => `
    window.results = { inlineScript: window.inlineRan === true };
    try { window.results.eval = eval("1 + 1") === 2; } catch { window.results.eval = false; }
    try { window.results.newFunction = new Function("return 2")() === 2; }
    catch { window.results.newFunction = false; }
    const style = document.createElement("style");
    style.textContent = "#probe { margin-left: 17px; }";
    document.head.appendChild(style);
    window.results.inlineStyle = getComputedStyle(document.getElementById("probe")).marginLeft === "17px";
    window.done = (async () => {
      window.results.sameOrigin = await fetch("/ping").then((r) => r.ok, () => false);
      window.results.otherOrigin = await fetch("${target}/ping").then((r) => r.ok, () => false);
      window.results.remoteImage = await new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = "${target}/pixel.png";
      });
    })();
  `;
  const page = (withCsp: boolean) =>
    `<!doctype html><html><head><script>window.inlineRan = true;</script></head>` +
    `<body><div id="probe">probe</div><script src="/probe.js${withCsp ? "" : "?nocsp"}"></script></body></html>`;
  // A 1×1 transparent PNG.
  const pixel = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
    "base64",
  );

  beforeAll(async () => {
    other = http.createServer((req, res) => {
      // Open to every origin, so only the page's policy can stop the calls.
      res.setHeader("access-control-allow-origin", "*");
      if (req.url === "/pixel.png") res.setHeader("content-type", "image/png").end(pixel);
      else res.end("pong");
    });
    otherOrigin = await listen(other);
    app = http.createServer((req, res) => {
      const withCsp = !req.url?.includes("nocsp");
      const headers: Record<string, string | string[]> = {};
      if (req.url?.startsWith("/probe.js")) {
        headers["content-type"] = "text/javascript";
        res.writeHead(200, headers).end(probeScript(otherOrigin));
        return;
      }
      if (req.url === "/ping") {
        res.end("pong");
        return;
      }
      headers["content-type"] = "text/html";
      const final = withCsp
        ? withContentSecurityPolicy(headers, contentSecurityPolicy(appOrigin))
        : headers;
      res.writeHead(200, final).end(page(withCsp));
    });
    appOrigin = await listen(app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    app?.close();
    other?.close();
  });

  const run = async (path: string) => {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${appOrigin}${path}`);
      await tab.waitForFunction(
        () => (globalThis as unknown as { done?: unknown }).done !== undefined,
      );
      await tab.evaluate(() => (globalThis as unknown as { done: Promise<void> }).done);
      return await tab.evaluate(() => (globalThis as unknown as { results: unknown }).results);
    } finally {
      await tab.close();
    }
  };

  it("without the policy, everything on the page runs and loads (the control)", async () => {
    expect(await run("/?nocsp")).toEqual({
      inlineScript: true,
      eval: true,
      newFunction: true,
      inlineStyle: true,
      sameOrigin: true,
      otherOrigin: true,
      remoteImage: true,
    });
  });

  it("with it, inline scripts, eval, other origins and remote images are blocked; <style> works", async () => {
    expect(await run("/")).toEqual({
      inlineScript: false,
      eval: false,
      newFunction: false,
      inlineStyle: true,
      sameOrigin: true,
      otherOrigin: false,
      remoteImage: false,
    });
  });
});
