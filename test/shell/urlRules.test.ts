import { describe, expect, it } from "vitest";
import {
  externalLink,
  isAppUrl,
  isPermissionAllowed,
  navigationVerdict,
  windowOpenVerdict,
} from "../../src-main/shell/urlRules.js";

const app = "http://127.0.0.1:4747";

describe("isAppUrl", () => {
  it("is true only for exactly the app's scheme, host and port", () => {
    expect(isAppUrl("http://127.0.0.1:4747/", app)).toBe(true);
    expect(isAppUrl("http://127.0.0.1:4747/#/members?x=1", app)).toBe(true);
    expect(isAppUrl("http://127.0.0.1:4747/manage/v1/events", app)).toBe(true);
    expect(isAppUrl("http://127.0.0.1:4748/", app)).toBe(false);
    expect(isAppUrl("http://localhost:4747/", app)).toBe(false);
    expect(isAppUrl("https://127.0.0.1:4747/", app)).toBe(false);
    expect(isAppUrl("http://127.0.0.1.evil.example:4747/", app)).toBe(false);
    expect(isAppUrl("http://evil.example/?http://127.0.0.1:4747", app)).toBe(false);
    expect(isAppUrl("about:blank", app)).toBe(false);
    expect(isAppUrl("data:text/html,<p>hi</p>", app)).toBe(false);
    expect(isAppUrl("not a url", app)).toBe(false);
  });
});

describe("externalLink", () => {
  it("hands only https links with a host and no credentials to the browser, normalised", () => {
    expect(externalLink("https://example.org")).toBe("https://example.org/");
    expect(externalLink("https://platform.openai.com/docs?x=1#y")).toBe(
      "https://platform.openai.com/docs?x=1#y",
    );
    expect(externalLink("HTTPS://Example.ORG/a")).toBe("https://example.org/a");
    for (const refused of [
      "http://evil.example/",
      "http://127.0.0.1:4747/",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "ms-settings:network",
      "smb://fileserver/share",
      "https://benchtop@evil.example/",
      "https://user:pass@evil.example/",
      "https:",
      "not a url",
      "",
    ])
      expect([refused, externalLink(refused)]).toEqual([refused, undefined]);
  });
});

describe("navigationVerdict", () => {
  it("keeps the window on the app's origin and nowhere else", () => {
    expect(navigationVerdict("http://127.0.0.1:4747/#/usage", app)).toEqual({ action: "allow" });
    expect(navigationVerdict("http://127.0.0.1:4747/openapi.json", app)).toEqual({
      action: "allow",
    });
  });

  it("sends https links to the browser", () => {
    expect(navigationVerdict("https://example.org", app)).toEqual({
      action: "open-external",
      url: "https://example.org/",
    });
  });

  it("drops every other destination", () => {
    for (const url of [
      "http://evil",
      "http://evil.example/login",
      "http://127.0.0.1:9999/",
      "http://localhost:4747/",
      "file:///home/me/.ssh/id_ed25519",
      "javascript:fetch('http://evil')",
      "data:text/html,<h1>phish</h1>",
      "about:blank",
      "chrome://settings",
      "devtools://devtools/bundled/inspector.html",
    ])
      expect([url, navigationVerdict(url, app)]).toEqual([url, { action: "deny" }]);
  });
});

describe("windowOpenVerdict", () => {
  it("never opens an Electron window, not even for the app's own pages", () => {
    expect(windowOpenVerdict("http://127.0.0.1:4747/#/keys")).toEqual({ action: "deny" });
    expect(windowOpenVerdict("https://example.org/docs")).toEqual({
      action: "open-external",
      url: "https://example.org/docs",
    });
    expect(windowOpenVerdict("http://evil")).toEqual({ action: "deny" });
    expect(windowOpenVerdict("file:///etc/hosts")).toEqual({ action: "deny" });
    expect(windowOpenVerdict("javascript:alert(1)")).toEqual({ action: "deny" });
    expect(windowOpenVerdict("about:blank")).toEqual({ action: "deny" });
  });
});

describe("isPermissionAllowed", () => {
  it("allows the clipboard write for the app's origin and nothing else", () => {
    expect(isPermissionAllowed("clipboard-sanitized-write", `${app}/#/keys`, app)).toBe(true);
    // The permission check handler passes an origin, not a URL.
    expect(isPermissionAllowed("clipboard-sanitized-write", app, app)).toBe(true);
    expect(isPermissionAllowed("clipboard-sanitized-write", "https://evil.example/", app)).toBe(
      false,
    );
    for (const permission of [
      "clipboard-read",
      "media",
      "geolocation",
      "notifications",
      "openExternal",
      "fileSystem",
      "usb",
      "serial",
      "hid",
      "unknown",
    ])
      expect([permission, isPermissionAllowed(permission, app, app)]).toEqual([permission, false]);
  });
});
