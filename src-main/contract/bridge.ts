import { z } from "zod";

/**
 * The IPC channel behind `BenchtopBridge.getConnection()`. The sandboxed preload cannot import
 * this module at run time, so it repeats the string, typed as `ConnectionChannel` to keep the two
 * in step.
 */
export const CONNECTION_CHANNEL = "benchtop:connection";
export type ConnectionChannel = typeof CONNECTION_CHANNEL;

/** Where the renderer finds the API, and how the desktop owner authenticates to it. */
export const BenchtopConnection = z.object({
  /** Origin of the HTTP API, e.g. `http://127.0.0.1:4747` (no trailing slash). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /**
   * The desktop owner's API key (`core.ownerToken`), so the person at the workstation is signed in
   * without typing it. Only the Electron app hands it over; a browser has none and signs in.
   */
  ownerToken: z.string().min(1).optional(),
});
export type BenchtopConnection = z.infer<typeof BenchtopConnection>;

/**
 * IPC channels behind `getDesktopSettings()` and `setDesktopSettings()`. Repeated in the preload
 * like `CONNECTION_CHANNEL`, typed to keep the two in step.
 */
export const DESKTOP_SETTINGS_CHANNEL = "benchtop:desktop-settings";
export type DesktopSettingsChannel = typeof DESKTOP_SETTINGS_CHANNEL;
export const SET_DESKTOP_SETTINGS_CHANNEL = "benchtop:desktop-settings:set";
export type SetDesktopSettingsChannel = typeof SET_DESKTOP_SETTINGS_CHANNEL;

/**
 * Settings of the desktop app itself (not of the server), kept in the core's settings table so
 * they survive reinstalls with the rest of the data folder.
 */
export const DesktopSettings = z.object({
  /** Start Benchtop when the user logs in to the computer. Defaults to `false`. */
  openAtLogin: z.boolean(),
  /**
   * Whether this build can register itself to start at login: installed builds on macOS,
   * Windows and Linux; not a development run (`npm start`), where the setting is kept but the
   * OS is left alone.
   */
  openAtLoginSupported: z.boolean(),
});
export type DesktopSettings = z.infer<typeof DesktopSettings>;

/** A change to the desktop settings; absent fields stay as they are. */
export const DesktopSettingsPatch = z.strictObject({
  openAtLogin: z.boolean().optional(),
});
export type DesktopSettingsPatch = z.infer<typeof DesktopSettingsPatch>;

/**
 * The IPC channel behind `pickModelFile()`: the OS's file dialog, filtered to `.gguf`. Repeated
 * in the preload like `CONNECTION_CHANNEL`.
 */
export const PICK_MODEL_FILE_CHANNEL = "benchtop:pick-model-file";
export type PickModelFileChannel = typeof PICK_MODEL_FILE_CHANNEL;

/**
 * What the Electron preload exposes as `window.benchtop`. Kept tiny on purpose: everything else
 * goes through the HTTP API, so the renderer behaves the same in Electron and in a browser.
 */
export interface BenchtopBridge {
  getConnection(): Promise<BenchtopConnection>;
  /** The desktop app's own settings (start at login). */
  getDesktopSettings(): Promise<DesktopSettings>;
  /** Changes them and applies the change to the OS; resolves with the settings now in force. */
  setDesktopSettings(patch: DesktopSettingsPatch): Promise<DesktopSettings>;
  /**
   * Asks the user for a GGUF file with the OS's dialog; resolves with its absolute path (which
   * the Models page then imports through the API), or null when they cancel.
   */
  pickModelFile(): Promise<string | null>;
}
