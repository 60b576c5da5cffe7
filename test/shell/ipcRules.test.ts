import { z } from "zod";
import { describe, expect, it } from "vitest";
import { DesktopSettingsPatch } from "../../src-main/contract/bridge.js";
import { checkIpcCall, IpcRefusedError, isTrustedSender } from "../../src-main/shell/ipcRules.js";

const app = "http://127.0.0.1:4747";
const top = (url: string) => ({ url, isTopFrame: true });

describe("isTrustedSender", () => {
  it("trusts only the top frame of the app's own origin", () => {
    expect(isTrustedSender(top("http://127.0.0.1:4747/"), app)).toBe(true);
    expect(isTrustedSender(top("http://127.0.0.1:4747/#/settings"), app)).toBe(true);
    // An iframe on the app's own origin is still not the app.
    expect(isTrustedSender({ url: "http://127.0.0.1:4747/", isTopFrame: false }, app)).toBe(false);
    for (const url of [
      "http://127.0.0.1:4748/",
      "http://localhost:4747/",
      "https://127.0.0.1:4747/",
      "http://evil.example/",
      "file:///tmp/index.html",
      "about:blank",
      "data:text/html,<p>x</p>",
      "",
    ])
      expect([url, isTrustedSender(top(url), app)]).toEqual([url, false]);
    // A frame that navigated away or closed before the call arrived.
    expect(isTrustedSender(null, app)).toBe(false);
    expect(isTrustedSender(undefined, app)).toBe(false);
  });
});

describe("checkIpcCall", () => {
  const setSettings = z.tuple([DesktopSettingsPatch]);
  const noArgs = z.tuple([]);

  it("returns the parsed arguments of a trusted call", () => {
    expect(checkIpcCall("c", top(`${app}/`), app, setSettings, [{ openAtLogin: true }])).toEqual([
      { openAtLogin: true },
    ]);
    expect(checkIpcCall("c", top(`${app}/`), app, setSettings, [{}])).toEqual([{}]);
    expect(checkIpcCall("c", top(`${app}/`), app, noArgs, [])).toEqual([]);
  });

  it("refuses arguments the schema does not accept, naming the field but not the value", () => {
    const refused = (args: unknown[], schema: z.ZodType = setSettings) => {
      try {
        checkIpcCall("benchtop:x", top(`${app}/`), app, schema, args);
      } catch (err) {
        expect(err).toBeInstanceOf(IpcRefusedError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused([{ openAtLogin: "yes" }])).toBe(
      "benchtop:x refused: invalid arguments (0.openAtLogin: Invalid input: expected boolean, received string)",
    );
    // Unknown fields are refused, not dropped: the renderer cannot smuggle in anything else.
    expect(refused([{ openAtLogin: true, execPath: "/tmp/evil" }])).toBe(
      'benchtop:x refused: invalid arguments (0: Unrecognized key: "execPath")',
    );
    expect(refused([])).toMatch(/^benchtop:x refused: invalid arguments \(/);
    expect(refused([{}, "extra"])).toMatch(/^benchtop:x refused: invalid arguments \(/);
    expect(refused(["secret-value"], noArgs)).not.toContain("secret-value");
  });

  it("refuses an untrusted sender before looking at the arguments", () => {
    expect(() =>
      checkIpcCall("benchtop:x", top("http://evil.example/"), app, setSettings, [
        { openAtLogin: true },
      ]),
    ).toThrow(new IpcRefusedError("benchtop:x refused: not Benchtop's own page"));
    expect(() => checkIpcCall("benchtop:x", null, app, noArgs, [])).toThrow(
      "benchtop:x refused: not Benchtop's own page",
    );
  });
});
