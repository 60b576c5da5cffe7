import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DesktopSettingsService,
  HIDDEN_FLAG,
  OPEN_AT_LOGIN_SETTING,
  desktopExecArg,
  linuxAutostartEntry,
  linuxAutostartFile,
  linuxLaunchPath,
  startedHidden,
  writeLinuxAutostart,
  type LoginItemRegistrar,
} from "../../src-main/shell/openAtLogin.js";
import { SettingsRepo } from "../../src-main/store/settingsRepo.js";
import { tempDb } from "../helpers/tempDb.js";

/** The OS side, as the registrar sees it: what was applied, in order; optionally refusing. */
class RecordingRegistrar implements LoginItemRegistrar {
  applied: boolean[] = [];
  refuse = false;
  constructor(readonly supported: boolean) {}
  apply(openAtLogin: boolean): void {
    if (this.refuse) throw new Error("the OS said no");
    this.applied.push(openAtLogin);
  }
}

describe("DesktopSettingsService", () => {
  let db: ReturnType<typeof tempDb>;
  let settings: SettingsRepo;
  beforeEach(() => {
    db = tempDb();
    settings = new SettingsRepo(db.db);
  });
  afterEach(() => db.dispose());

  it("defaults to off, and stores and applies a change", () => {
    const os = new RecordingRegistrar(true);
    const service = new DesktopSettingsService(settings, os);
    expect(service.get()).toEqual({ openAtLogin: false, openAtLoginSupported: true });
    expect(service.update({ openAtLogin: true })).toEqual({
      openAtLogin: true,
      openAtLoginSupported: true,
    });
    expect(os.applied).toEqual([true]);
    // In the settings table, where a new service (the next start) finds it.
    expect(settings.get(OPEN_AT_LOGIN_SETTING)).toBe(true);
    expect(new DesktopSettingsService(settings, os).get().openAtLogin).toBe(true);
    expect(service.update({ openAtLogin: false }).openAtLogin).toBe(false);
    expect(os.applied).toEqual([true, false]);
    // An empty patch changes nothing and touches nothing.
    expect(service.update({})).toEqual({ openAtLogin: false, openAtLoginSupported: true });
    expect(os.applied).toEqual([true, false]);
  });

  it("keeps the stored setting when the OS refuses the change", () => {
    const os = new RecordingRegistrar(true);
    const service = new DesktopSettingsService(settings, os);
    os.refuse = true;
    expect(() => service.update({ openAtLogin: true })).toThrow("the OS said no");
    expect(service.get().openAtLogin).toBe(false);
    expect(settings.get(OPEN_AT_LOGIN_SETTING)).toBeUndefined();
  });

  it("stores but leaves the OS alone where registering is not supported (a development run)", () => {
    const os = new RecordingRegistrar(false);
    const service = new DesktopSettingsService(settings, os);
    expect(service.update({ openAtLogin: true })).toEqual({
      openAtLogin: true,
      openAtLoginSupported: false,
    });
    service.applyStored();
    expect(os.applied).toEqual([]);
  });

  it("re-applies the stored setting at startup", () => {
    const os = new RecordingRegistrar(true);
    new DesktopSettingsService(settings, os).applyStored();
    settings.set(OPEN_AT_LOGIN_SETTING, true);
    new DesktopSettingsService(settings, os).applyStored();
    // Only `true` counts as on: a malformed value is off.
    settings.set(OPEN_AT_LOGIN_SETTING, "yes");
    new DesktopSettingsService(settings, os).applyStored();
    expect(os.applied).toEqual([false, true, false]);
  });
});

describe("Linux autostart entry", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-autostart-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart", () => {
    expect(linuxAutostartFile("benchtop", { XDG_CONFIG_HOME: "/x/cfg" }, "/home/me")).toBe(
      "/x/cfg/autostart/benchtop.desktop",
    );
    expect(linuxAutostartFile("benchtop", {}, "/home/me")).toBe(
      "/home/me/.config/autostart/benchtop.desktop",
    );
    expect(linuxAutostartFile("benchtop", { XDG_CONFIG_HOME: "" }, "/home/me")).toBe(
      "/home/me/.config/autostart/benchtop.desktop",
    );
  });

  it("is written with the launch command and removed again", () => {
    const file = path.join(dir, "autostart", "benchtop.desktop");
    writeLinuxAutostart(file, "Benchtop", ["/opt/Benchtop/benchtop", HIDDEN_FLAG]);
    expect(fs.readFileSync(file, "utf8")).toBe(
      [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Benchtop",
        "Comment=Start Benchtop at login (set in Benchtop)",
        "Exec=/opt/Benchtop/benchtop --hidden",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
      ].join("\n"),
    );
    // Rewriting replaces it (an AppImage that moved), leaving no temporary file behind.
    writeLinuxAutostart(file, "Benchtop", ["/home/me/Apps/Benchtop.AppImage", HIDDEN_FLAG]);
    expect(fs.readFileSync(file, "utf8")).toContain(
      "\nExec=/home/me/Apps/Benchtop.AppImage --hidden\n",
    );
    expect(fs.readdirSync(path.dirname(file))).toEqual(["benchtop.desktop"]);
    writeLinuxAutostart(file, "Benchtop", undefined);
    expect(fs.existsSync(file)).toBe(false);
    // Removing what is not there is fine.
    writeLinuxAutostart(file, "Benchtop", undefined);
  });

  it("quotes Exec arguments per the Desktop Entry Specification", () => {
    expect(desktopExecArg("/opt/Benchtop/benchtop")).toBe("/opt/Benchtop/benchtop");
    expect(desktopExecArg("/home/me/My Apps/Benchtop.AppImage")).toBe(
      '"/home/me/My Apps/Benchtop.AppImage"',
    );
    expect(desktopExecArg("/home/me/100%/b")).toBe("/home/me/100%%/b");
    expect(desktopExecArg('/a "b" $HOME `x`')).toBe('"/a \\\\"b\\\\" \\\\$HOME \\\\`x\\\\`"');
    // A literal backslash is four in the file.
    expect(desktopExecArg("/a\\b")).toBe('"/a\\\\\\\\b"');
    expect(linuxAutostartEntry("Benchtop", ["/my apps/benchtop", "--hidden"])).toContain(
      '\nExec="/my apps/benchtop" --hidden\n',
    );
  });

  it("starts the AppImage file itself, not the binary in its temporary mount", () => {
    expect(
      linuxLaunchPath({ APPIMAGE: "/home/me/Benchtop.AppImage" }, "/tmp/.mount_x/benchtop"),
    ).toBe("/home/me/Benchtop.AppImage");
    expect(linuxLaunchPath({}, "/opt/Benchtop/benchtop")).toBe("/opt/Benchtop/benchtop");
  });
});

describe("startedHidden", () => {
  it("is true for a start by the login item", () => {
    expect(startedHidden(["/opt/Benchtop/benchtop", "--hidden"])).toBe(true);
    expect(startedHidden(["/Applications/Benchtop.app/Contents/MacOS/Benchtop"], true)).toBe(true);
    expect(startedHidden(["/opt/Benchtop/benchtop"])).toBe(false);
    expect(startedHidden(["/opt/Benchtop/benchtop", "--hiddenx"])).toBe(false);
  });
});
