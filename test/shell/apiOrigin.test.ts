import { describe, expect, it } from "vitest";
import { ApiOrigin, movedPageUrl, rendererBaseUrl } from "../../src-main/shell/apiOrigin.js";
import { contentSecurityPolicy } from "../../src-main/shell/contentSecurityPolicy.js";
import { checkIpcCall, IpcRefusedError } from "../../src-main/shell/ipcRules.js";
import { isAppUrl, isPermissionAllowed, navigationVerdict } from "../../src-main/shell/urlRules.js";
import { z } from "zod";

describe("rendererBaseUrl", () => {
  it("is the core url's origin, reached over loopback when bound to every interface", () => {
    expect(rendererBaseUrl("http://127.0.0.1:4747")).toBe("http://127.0.0.1:4747");
    expect(rendererBaseUrl("http://127.0.0.1:4747/")).toBe("http://127.0.0.1:4747");
    expect(rendererBaseUrl("http://0.0.0.0:4800")).toBe("http://127.0.0.1:4800");
    expect(rendererBaseUrl("http://[::]:4800")).toBe("http://127.0.0.1:4800");
    expect(rendererBaseUrl("http://[::1]:4800")).toBe("http://[::1]:4800");
    expect(rendererBaseUrl("http://192.168.1.20:4747")).toBe("http://192.168.1.20:4747");
  });
});

describe("movedPageUrl", () => {
  const from = "http://127.0.0.1:4747";
  const to = "http://127.0.0.1:5000";
  it("keeps the page: path, query and hash route", () => {
    expect(movedPageUrl(`${from}/#/server/sharing`, from, to)).toBe(`${to}/#/server/sharing`);
    expect(movedPageUrl(`${from}/?x=1#/members/mem_1`, from, to)).toBe(`${to}/?x=1#/members/mem_1`);
    expect(movedPageUrl(`${from}/`, from, to)).toBe(`${to}/`);
    expect(movedPageUrl(`${from}/#/chat`, from, "http://[::1]:4747")).toBe(
      "http://[::1]:4747/#/chat",
    );
  });

  it("starts over on the app's start page when the window was not on the old origin", () => {
    expect(movedPageUrl("about:blank", from, to)).toBe(`${to}/`);
    expect(movedPageUrl("chrome-error://chromewebdata/", from, to)).toBe(`${to}/`);
    expect(movedPageUrl("http://127.0.0.1:9999/#/chat", from, to)).toBe(`${to}/`);
    expect(movedPageUrl("", from, to)).toBe(`${to}/`);
  });
});

describe("ApiOrigin", () => {
  it("starts at the core's url with the CSP for it", () => {
    const origin = new ApiOrigin("http://0.0.0.0:4747");
    expect(origin.current).toBe("http://127.0.0.1:4747");
    expect(origin.contentSecurityPolicy).toBe(contentSecurityPolicy("http://127.0.0.1:4747"));
  });

  it("follows a new port or host, and reports the move once", () => {
    const origin = new ApiOrigin("http://127.0.0.1:4747");
    expect(origin.follow("http://127.0.0.1:5000")).toEqual({
      from: "http://127.0.0.1:4747",
      to: "http://127.0.0.1:5000",
    });
    expect(origin.current).toBe("http://127.0.0.1:5000");
    expect(origin.contentSecurityPolicy).toBe(contentSecurityPolicy("http://127.0.0.1:5000"));
    expect(origin.follow("http://127.0.0.1:5000")).toBeUndefined();
    // A server bound to one LAN address stops sharing: loopback from then on.
    const lan = new ApiOrigin("http://192.168.1.20:4747");
    expect(lan.follow("http://127.0.0.1:4747")).toEqual({
      from: "http://192.168.1.20:4747",
      to: "http://127.0.0.1:4747",
    });
  });

  it("stays when the origin is the same (LAN shared from loopback) or the core is not listening", () => {
    const origin = new ApiOrigin("http://127.0.0.1:4747");
    expect(origin.follow("http://127.0.0.1:4747")).toBeUndefined();
    expect(origin.follow(undefined)).toBeUndefined();
    expect(origin.current).toBe("http://127.0.0.1:4747");
  });

  it("moves every rule that reads it: CSP, navigation, redirects, permissions, IPC senders", () => {
    const origin = new ApiOrigin("http://127.0.0.1:4747");
    const old = "http://127.0.0.1:4747";
    const moved = "http://127.0.0.1:5000";
    const args = z.tuple([]);
    const ipcFrom = (url: string) => () =>
      checkIpcCall("benchtop:connection", { url, isTopFrame: true }, origin.current, args, []);

    expect(navigationVerdict(`${old}/#/chat`, origin.current)).toEqual({ action: "allow" });
    expect(ipcFrom(`${old}/`)).not.toThrow();
    origin.follow(moved);

    expect(origin.contentSecurityPolicy).toContain(`connect-src 'self' ${moved};`);
    expect(origin.contentSecurityPolicy).not.toContain(old);
    expect(navigationVerdict(`${moved}/#/chat`, origin.current)).toEqual({ action: "allow" });
    // The old address is another (plain http) origin now: never shown, never handed to a browser.
    expect(navigationVerdict(`${old}/#/chat`, origin.current)).toEqual({ action: "deny" });
    expect(isAppUrl(`${old}/v1/models`, origin.current)).toBe(false);
    expect(isAppUrl(`${moved}/v1/models`, origin.current)).toBe(true);
    expect(isPermissionAllowed("clipboard-sanitized-write", `${moved}/`, origin.current)).toBe(
      true,
    );
    expect(isPermissionAllowed("clipboard-sanitized-write", `${old}/`, origin.current)).toBe(false);
    expect(ipcFrom(`${moved}/#/server`)).not.toThrow();
    expect(ipcFrom(`${old}/#/server`)).toThrow(IpcRefusedError);
    expect(ipcFrom(`${old}/#/server`)).toThrow(
      "benchtop:connection refused: not Benchtop's own page",
    );
  });
});
