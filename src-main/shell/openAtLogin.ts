import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DesktopSettings, DesktopSettingsPatch } from "../contract/bridge.js";

/**
 * "Start Benchtop at login": the setting lives in the core's settings table (so it follows the
 * data folder), and is applied to the OS by a `LoginItemRegistrar` (Electron's
 * `app.setLoginItemSettings` on macOS and Windows, an XDG autostart file on Linux, where
 * Electron has no API). Pure Node (no `electron` import), tested under Node.
 */

/** Settings key; the value is a boolean. Absent means `false`. */
export const OPEN_AT_LOGIN_SETTING = "desktop.open_at_login";

/** Command-line flag the login item passes: start with the tray only, no window. */
export const HIDDEN_FLAG = "--hidden";

/** The part of the core's `SettingsRepo` this needs. */
export interface SettingsStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

/** Registers or unregisters the app as a login item with the OS. */
export interface LoginItemRegistrar {
  /** False where registering would be wrong (a development run of the Electron binary). */
  readonly supported: boolean;
  apply(openAtLogin: boolean): void;
}

/** The desktop settings, read from and written to `settings`, applied through `registrar`. */
export class DesktopSettingsService {
  constructor(
    private readonly settings: SettingsStore,
    private readonly registrar: LoginItemRegistrar,
  ) {}

  get(): DesktopSettings {
    return {
      openAtLogin: this.settings.get<unknown>(OPEN_AT_LOGIN_SETTING) === true,
      openAtLoginSupported: this.registrar.supported,
    };
  }

  /**
   * Applies the change to the OS (when supported), then stores it; returns the result. When the
   * OS refuses, the error propagates and the stored setting is left as it was.
   */
  update(patch: DesktopSettingsPatch): DesktopSettings {
    if (patch.openAtLogin !== undefined) {
      if (this.registrar.supported) this.registrar.apply(patch.openAtLogin);
      this.settings.set(OPEN_AT_LOGIN_SETTING, patch.openAtLogin);
    }
    return this.get();
  }

  /**
   * Re-applies the stored setting at startup, so the OS entry follows the app when it moved
   * (an AppImage in a new folder) and a login item removed by hand while the setting is on
   * comes back.
   */
  applyStored(): void {
    if (this.registrar.supported) this.registrar.apply(this.get().openAtLogin);
  }
}

/** `$XDG_CONFIG_HOME/autostart/<name>.desktop` (default `~/.config/autostart/`). */
export function linuxAutostartFile(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(home, ".config");
  return path.join(configHome, "autostart", `${name}.desktop`);
}

/**
 * One argument of a desktop entry's `Exec` key, per the Desktop Entry Specification: `%` is
 * doubled (`%x` are field codes); an argument with any other character than a plain path's is
 * double-quoted with `"`, `` ` ``, `$` and `\` backslash-escaped, and then, because the key is a
 * string whose own escape rule runs first, every backslash is doubled (a literal `\` becomes four).
 */
export function desktopExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, "%%");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  const quoted = `"${escaped.replace(/(["`$\\])/g, "\\$1")}"`;
  return quoted.replace(/\\/g, "\\\\");
}

/** The autostart entry that starts `command` (executable then arguments) at login. */
export function linuxAutostartEntry(appName: string, command: readonly string[]): string {
  return [
    "[Desktop Entry]",
    "Type=Application",
    `Name=${appName}`,
    `Comment=Start ${appName} at login (set in ${appName})`,
    `Exec=${command.map(desktopExecArg).join(" ")}`,
    "Terminal=false",
    "X-GNOME-Autostart-enabled=true",
    "",
  ].join("\n");
}

/**
 * Writes the autostart entry (`command` given) or removes it (`command` undefined). Writing
 * replaces the file atomically, so a crash never leaves half an entry.
 */
export function writeLinuxAutostart(
  file: string,
  appName: string,
  command: readonly string[] | undefined,
): void {
  if (!command) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, linuxAutostartEntry(appName, command), { mode: 0o644 });
  fs.renameSync(temp, file);
}

/**
 * The executable a Linux login item should start: the AppImage file itself when running from
 * one (`$APPIMAGE`; `process.execPath` is inside its temporary mount), else the binary.
 */
export function linuxLaunchPath(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE || execPath;
}

/** True when this start came from the login item: open to the tray, without a window. */
export function startedHidden(argv: readonly string[], wasOpenedAtLogin = false): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_FLAG);
}
