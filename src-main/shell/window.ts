import { fileURLToPath } from "node:url";
import { BrowserWindow, shell, type Session, type WebContents } from "electron";
import type { ApiOrigin } from "./apiOrigin.js";
import { withContentSecurityPolicy } from "./contentSecurityPolicy.js";
import {
  isAppUrl,
  isPermissionAllowed,
  navigationVerdict,
  windowOpenVerdict,
  type NavigationVerdict,
} from "./urlRules.js";

/** Compiled from `preload.cts`; CommonJS because sandboxed preloads cannot be ES modules. */
const preloadPath = fileURLToPath(new URL("./preload.cjs", import.meta.url));

/** Where the window sends problems it cannot show (the shell's logger). */
export type ReportError = (what: string, err: unknown) => void;

/**
 * Creates the main window with Electron's security recommendations applied: an isolated,
 * sandboxed renderer without Node, web security on, a strict Content-Security-Policy, no new
 * windows, no navigation away from the app's origin, and no permissions beyond writing to the
 * clipboard. The page is served by the core's own HTTP server (`origin`, loopback), so it calls
 * the API same-origin: no CORS, and it is exactly the UI a browser on the LAN gets. Every rule
 * reads `origin.current` when it runs, so they follow the server when it moves; `pageUrl` is
 * the first page to show, on that origin.
 */
export function createMainWindow(
  pageUrl: string,
  origin: ApiOrigin,
  report: ReportError,
): BrowserWindow {
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
      nodeIntegrationInSubFrames: false,
      // Electron's defaults, stated so a reader (and a grep) sees them.
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      // Dropping a file on the window must not navigate to it.
      navigateOnDragDrop: false,
      // A page that opens alert() in a loop gets a "prevent more dialogs" checkbox.
      safeDialogs: true,
    },
  });
  window.once("ready-to-show", () => window.show());

  hardenSession(window.webContents.session, origin);
  hardenWebContents(window.webContents, origin, report);

  window
    .loadURL(pageUrl)
    .catch((err: unknown) => report("could not load the renderer (was it built?)", err));
  return window;
}

/**
 * Session-wide rules: the CSP header on every response from the app's origin (the API is the
 * same origin), and permission requests, checks and device access denied except the clipboard
 * write the UI needs. Calling it again replaces the previous handlers (one per session). The
 * origin is read per response and request, so a moved server's pages get the header at once.
 */
export function hardenSession(session: Session, origin: ApiOrigin): void {
  session.webRequest.onHeadersReceived({ urls: ["<all_urls>"] }, (details, callback) => {
    if (!isAppUrl(details.url, origin.current)) return callback({});
    callback({
      responseHeaders: withContentSecurityPolicy(
        details.responseHeaders,
        origin.contentSecurityPolicy,
      ),
    });
  });
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl, origin.current)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin, origin.current),
  );
  session.setDevicePermissionHandler(() => false);
}

/**
 * Navigation rules of one web contents: `target="_blank"` and `window.open` never make a new
 * Electron window, navigation (any frame) stays on the app's origin, redirects may not leave
 * it, and no `<webview>` can be attached. `https:` links open in the user's browser instead;
 * other schemes (`http:` elsewhere, `file:`, `javascript:`, custom protocols) are dropped.
 */
export function hardenWebContents(
  contents: WebContents,
  origin: ApiOrigin,
  report: ReportError,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    follow(windowOpenVerdict(url), report);
    return { action: "deny" };
  });
  // Every frame's navigation, the top frame's included. In-page (hash) navigation stays.
  contents.on("will-frame-navigate", (event) => {
    if (event.isSameDocument) return;
    const verdict = navigationVerdict(event.url, origin.current);
    if (verdict.action === "allow") return;
    event.preventDefault();
    // Only the top frame may hand a link to the browser; a frame cannot open tabs by itself.
    if (event.isMainFrame) follow(verdict, report);
  });
  contents.on("will-redirect", (event) => {
    if (!isAppUrl(event.url, origin.current)) event.preventDefault();
  });
  contents.on("will-attach-webview", (event) => event.preventDefault());
}

function follow(verdict: NavigationVerdict, report: ReportError): void {
  if (verdict.action !== "open-external") return;
  shell.openExternal(verdict.url).catch((err: unknown) => report("could not open a link", err));
}
