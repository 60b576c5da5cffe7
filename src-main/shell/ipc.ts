import { ipcMain, type IpcMainInvokeEvent } from "electron";
import { z } from "zod";
import {
  CONNECTION_CHANNEL,
  DESKTOP_SETTINGS_CHANNEL,
  DesktopSettingsPatch,
  PICK_MODEL_FILE_CHANNEL,
  SET_DESKTOP_SETTINGS_CHANNEL,
  type BenchtopConnection,
  type DesktopSettings,
} from "../contract/bridge.js";
import { checkIpcCall, type SenderFrame } from "./ipcRules.js";

export interface IpcOptions {
  /**
   * The origin allowed to call now: the core's own HTTP server, which serves the renderer. Read
   * on every call, so the check follows the server when it moves (apiOrigin.ts).
   */
  appOrigin: () => string;
  /** Resolves once the core listens; the window may ask before that. */
  connection: () => Promise<BenchtopConnection>;
  desktopSettings: () => DesktopSettings;
  /** Stores and applies a change (start at login); returns the settings now in force. */
  setDesktopSettings: (patch: DesktopSettingsPatch) => DesktopSettings;
  /** The OS's open-file dialog for a `.gguf`; the chosen absolute path, or null. */
  pickModelFile: () => Promise<string | null>;
}

/**
 * Answers the preload's calls. IPC hands out only the API's address and the owner token, and
 * the desktop app's own settings; everything else goes over HTTP (DESIGN.md §1). Every handler
 * goes through `handleTrusted` (sender and arguments checked), none is registered raw. Returns
 * a function that unregisters them.
 */
export function registerIpc(opts: IpcOptions): () => void {
  const unregister = [
    handleTrusted(CONNECTION_CHANNEL, opts.appOrigin, z.tuple([]), () => opts.connection()),
    handleTrusted(DESKTOP_SETTINGS_CHANNEL, opts.appOrigin, z.tuple([]), () =>
      opts.desktopSettings(),
    ),
    handleTrusted(
      SET_DESKTOP_SETTINGS_CHANNEL,
      opts.appOrigin,
      z.tuple([DesktopSettingsPatch]),
      ([patch]) => opts.setDesktopSettings(patch),
    ),
    handleTrusted(PICK_MODEL_FILE_CHANNEL, opts.appOrigin, z.tuple([]), () => opts.pickModelFile()),
  ];
  return () => {
    for (const off of unregister) off();
  };
}

/**
 * `ipcMain.handle` for `channel`, run only for the top frame of the app's own origin and with
 * arguments that `argsSchema` (a tuple) accepts; anything else rejects the renderer's `invoke`.
 */
function handleTrusted<S extends z.ZodType>(
  channel: string,
  appOrigin: () => string,
  argsSchema: S,
  handler: (args: z.infer<S>) => unknown,
): () => void {
  ipcMain.handle(channel, (event, ...args: unknown[]) =>
    handler(checkIpcCall(channel, senderOf(event), appOrigin(), argsSchema, args)),
  );
  return () => ipcMain.removeHandler(channel);
}

/** The calling frame as the pure checks see it; `null` once it navigated away or closed. */
function senderOf(event: IpcMainInvokeEvent): SenderFrame | null {
  const frame = event.senderFrame;
  if (!frame || frame.isDestroyed()) return null;
  return { url: frame.url, isTopFrame: frame.parent === null };
}
