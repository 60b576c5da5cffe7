import { fileURLToPath } from "node:url";
import { BrowserWindow, shell } from "electron";

/** Compiled from `preload.cts`; CommonJS because sandboxed preloads cannot be ES modules. */
const preloadPath = fileURLToPath(new URL("./preload.cjs", import.meta.url));

/** Where the window sends problems it cannot show (the shell's logger). */
export type ReportError = (what: string, err: unknown) => void;

/**
 * Creates the main window with Electron's security recommendations applied: an isolated,
 * sandboxed renderer without Node, web security on, no new windows, no navigation away from the
 * app's origin, and no permission prompts. The page is served by the core's own HTTP server
 * (`appUrl`, loopback), so it calls the API same-origin: no CORS, and it is exactly the UI a
 * browser on the LAN gets.
 */
export function createMainWindow(appUrl: string, report: ReportError): BrowserWindow {
  const window = new BrowserWindow({
    title: "Benchtop",
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 480,
    // Shown on `ready-to-show`, so the window never flashes empty.
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      // `webSecurity` is left at its default (`true`): same-origin policy and CSP stay in force.
    },
  });
  window.once("ready-to-show", () => window.show());

  const { webContents } = window;
  // `target="_blank"` links and `window.open`: never a new Electron window. https links open in
  // the user's browser; anything else (file:, javascript:, custom schemes) is dropped.
  webContents.setWindowOpenHandler(({ url }) => {
    openIfHttps(url, report);
    return { action: "deny" };
  });
  // The window shows only the app's own origin. In-page (hash) navigation does not fire this.
  const origin = new URL(appUrl).origin;
  webContents.on("will-navigate", (event) => {
    if (URL.canParse(event.url) && new URL(event.url).origin === origin) return;
    event.preventDefault();
    openIfHttps(event.url, report);
  });
  // No camera, microphone, notifications, geolocation… until a feature needs one.
  webContents.session.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );

  window
    .loadURL(appUrl)
    .catch((err: unknown) => report("could not load the renderer (was it built?)", err));
  return window;
}

function openIfHttps(url: string, report: ReportError): void {
  if (!URL.canParse(url) || new URL(url).protocol !== "https:") return;
  shell.openExternal(url).catch((err: unknown) => report("could not open a link", err));
}
