import { app } from "electron";
import {
  HIDDEN_FLAG,
  linuxAutostartFile,
  linuxLaunchPath,
  writeLinuxAutostart,
  type LoginItemRegistrar,
} from "./openAtLogin.js";

/** The autostart file's name on Linux: `benchtop.desktop`, like the binary (electron-builder.yml). */
const LINUX_AUTOSTART_NAME = "benchtop";

/**
 * Registers Benchtop with the OS as a login item: Electron's `app.setLoginItemSettings` on
 * macOS and Windows, an XDG autostart entry on Linux (Electron has no Linux API for it). Only
 * installed builds register: a development run would register the bare Electron binary. The
 * login item starts Benchtop with `--hidden` (macOS: `wasOpenedAtLogin`), so it opens to the
 * tray without a window.
 */
export function electronLoginItemRegistrar(): LoginItemRegistrar {
  const platform = process.platform;
  const supported =
    app.isPackaged && (platform === "darwin" || platform === "win32" || platform === "linux");
  return {
    supported,
    apply(openAtLogin) {
      if (!supported) return;
      if (platform === "linux") {
        writeLinuxAutostart(
          linuxAutostartFile(LINUX_AUTOSTART_NAME),
          app.getName(),
          openAtLogin ? [linuxLaunchPath(process.env, process.execPath), HIDDEN_FLAG] : undefined,
        );
        return;
      }
      // `args` is read on Windows only; macOS reports `wasOpenedAtLogin` instead.
      app.setLoginItemSettings({ openAtLogin, args: [HIDDEN_FLAG] });
    },
  };
}
