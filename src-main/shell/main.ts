/**
 * Electron entry point (package.json `main`): one instance, one core, one window, one tray. The
 * core is the same `createCore()` the headless CLI uses; the shell adds the window, the tray,
 * notifications, start-at-login, the engine host as a utility process and safeStorage
 * (DESIGN.md §1).
 */
import os from "node:os";
import path from "node:path";
import { app, dialog, type BrowserWindow } from "electron";
import { loadConfig } from "../app/config.js";
import { createCore, type Core } from "../app/createCore.js";
import type { Logger } from "../app/logger.js";
import type {
  BenchtopConnection,
  DesktopSettings,
  DesktopSettingsPatch,
} from "../contract/bridge.js";
import { notifyOnAlerts } from "./alertNotifications.js";
import { ApiOrigin, movedPageUrl } from "./apiOrigin.js";
import { closeWithin } from "./closeWithin.js";
import { electronNotifier } from "./electronNotifier.js";
import { registerIpc } from "./ipc.js";
import { electronLoginItemRegistrar } from "./loginItemRegistrar.js";
import { DesktopSettingsService, startedHidden } from "./openAtLogin.js";
import { safeStorageCipher } from "./safeStorageCipher.js";
import { ServerSwitches, serverUpdateOf, switchFailure } from "./serverSwitches.js";
import { showSwitchFailure } from "./switchFailureDialog.js";
import { createTray, type BenchtopTray } from "./tray.js";
import { serverPageUrl, serverSwitchPatch, type TrayAction } from "./trayMenuModel.js";
import { utilityEngineSpawner } from "./utilityEngineSpawner.js";
import { createMainWindow } from "./window.js";

/** How long quitting waits for `core.close()` before exiting anyway. The server's own grace is 10 s. */
const QUIT_DEADLINE_MS = 20_000;
/** How often the tray re-reads the network addresses it shows (a laptop changes networks). */
const TRAY_REFRESH_MS = 30_000;
/** Windows shows notifications only for an app with an AppUserModelID: the installer's appId. */
const APP_USER_MODEL_ID = "dev.benchtop.app";

// A second instance would fight the first for the port and the database: it hands over to the
// first (which focuses its window, below) and quits.
if (app.requestSingleInstanceLock()) {
  void runApp();
} else {
  app.quit();
}

// Defense in depth for any web contents, before the main window's own rules exist: no new
// windows, no <webview>.
app.on("web-contents-created", (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
  contents.on("will-attach-webview", (event) => event.preventDefault());
});

async function runApp(): Promise<void> {
  let log: Logger | undefined;
  let core: Core | undefined;
  let mainWindow: BrowserWindow | undefined;
  let tray: BenchtopTray | undefined;
  // Where the API is now; every window and IPC rule reads it (moved on `server.update`).
  let origin: ApiOrigin | undefined;
  let switches: ServerSwitches | undefined;
  // A tray switch (LAN, pause) is being applied; the switches wait for it.
  let switching = false;
  // Where the server listens and whether /v1 is paused, as the last `server.update` said.
  let server = { bindHost: "", apiPaused: false };
  let settings: DesktopSettingsService | undefined;
  // What the tray shows; kept here so the tray never reads the database (closed while quitting).
  let desktop: DesktopSettings = { openAtLogin: false, openAtLoginSupported: false };
  let quitting = false;

  // Problems go to the core's logger once it exists, to stderr before that.
  const report = (what: string, err: unknown) => {
    if (log) log.warn({ err }, what);
    else process.stderr.write(`benchtop: ${what}: ${String(err)}\n`);
  };
  /** Shows (creating if needed) and focuses the window; `page` also navigates it there. */
  const showWindow = (page?: string) => {
    if (!origin || quitting) return; // the window opens once the core listens (see below)
    if (!mainWindow || mainWindow.isDestroyed()) {
      mainWindow = createMainWindow(page ?? origin.current, origin, report);
    } else if (page) {
      mainWindow.loadURL(page).catch((err: unknown) => report("could not open a page", err));
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };
  const refreshTray = () => {
    if (!tray || !core) return;
    tray.update({
      url: core.url,
      // Where it listens now, not the config it started with: the switches move it.
      ...server,
      switching,
      interfaces: os.networkInterfaces(),
      stopping: quitting,
      ...desktop,
    });
  };
  const updateDesktopSettings = (patch: DesktopSettingsPatch): DesktopSettings => {
    if (!settings || quitting) throw new Error("Benchtop is not running");
    desktop = settings.update(patch);
    refreshTray();
    return desktop;
  };
  /** Share on the LAN / Pause API from the tray: `PATCH /manage/v1/server`, in-process. */
  const flipServerSwitch = async (action: TrayAction) => {
    if (!switches || switching || quitting) return;
    const patch = serverSwitchPatch(action, server);
    if (!patch) return;
    switching = true;
    refreshTray();
    try {
      await switches.change(patch);
    } catch (err) {
      log?.info({ patch, err: err instanceof Error ? err.message : err }, "tray switch refused");
      showSwitchFailure(
        switchFailure(err, patch),
        (hash) => {
          if (origin) showWindow(serverPageUrl(origin.current, hash));
        },
        report,
      );
    } finally {
      switching = false;
      // Also puts back a checkbox Electron ticked on the click when the change was refused.
      refreshTray();
    }
  };
  const onTrayAction = (action: TrayAction) => {
    if (action === "open-window") showWindow();
    else if (action === "quit") app.quit();
    else if (action === "open-server-page" && origin) showWindow(serverPageUrl(origin.current));
    else if (action === "toggle-lan" || action === "toggle-api-paused")
      void flipServerSwitch(action);
    else if (action === "toggle-open-at-login") {
      try {
        updateDesktopSettings({ openAtLogin: !desktop.openAtLogin });
      } catch (err) {
        report("could not change start at login", err);
      }
    }
  };

  await app.whenReady();
  if (process.platform === "win32") app.setAppUserModelId(APP_USER_MODEL_ID);
  const corePromise = startCore((line) => report("engine host", line));
  // The owner token lets the person at this desk in without typing a key (DESIGN.md §5).
  const connection = async (): Promise<BenchtopConnection> => {
    const c = await corePromise;
    if (!origin) throw new Error("the core is not listening");
    return { baseUrl: origin.current, ownerToken: c.ownerToken };
  };

  app.on("second-instance", () => showWindow());
  // macOS keeps apps running with no window and reopens one from the dock.
  app.on("activate", () => showWindow());
  // With a tray the server keeps running (teammates on the LAN may be using it) and the tray
  // reopens the window; without one, closing the last window quits, except on macOS.
  app.on("window-all-closed", () => {
    if (!tray && process.platform !== "darwin") app.quit();
  });
  // Quitting waits for the core: in-flight requests finish, then the engine and the store close.
  app.on("before-quit", (event) => {
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    refreshTray();
    void closeWithin(async () => (await corePromise).close(), QUIT_DEADLINE_MS).then((end) => {
      if (end.outcome === "failed") report("error while stopping", end.error);
      if (end.outcome === "timed-out") report("stopping took too long", QUIT_DEADLINE_MS);
      tray?.destroy();
      app.exit(end.outcome === "closed" ? 0 : 1);
    });
  });

  try {
    core = await corePromise;
    log = core.log.child({ mod: "shell" });
    if (core.cipher.insecure) {
      log.warn(
        { backend: core.cipher.backend },
        "no OS keychain: provider keys would be stored without real protection; storing one needs an explicit acknowledgement",
      );
    }
    if (!core.url) throw new Error("the core is not listening");
    const api = new ApiOrigin(core.url);
    origin = api;
    switches = new ServerSwitches(core);
    server = {
      bindHost: core.serverControl.binding().host,
      apiPaused: core.serverControl.apiPaused,
    };
    settings = new DesktopSettingsService(core.store.settings, electronLoginItemRegistrar());
    desktop = settings.get();
    try {
      settings.applyStored();
    } catch (err) {
      report("could not apply start at login", err);
    }
    registerIpc({
      appOrigin: () => api.current,
      connection,
      desktopSettings: () => desktop,
      setDesktopSettings: updateDesktopSettings,
      pickModelFile: async () => {
        const options = {
          title: "Import a GGUF model",
          properties: ["openFile" as const],
          filters: [{ name: "GGUF models", extensions: ["gguf"] }],
        };
        const picked =
          mainWindow && !mainWindow.isDestroyed()
            ? await dialog.showOpenDialog(mainWindow, options)
            : await dialog.showOpenDialog(options);
        return picked.canceled ? null : (picked.filePaths[0] ?? null);
      },
    });
    const members = core.store.members;
    notifyOnAlerts(
      core.events,
      electronNotifier(
        () => showWindow(),
        (err) => report("notification failed", err),
      ),
      (memberId) => members.get(memberId)?.name,
    );
    // The server moved (tray, Server page, or a script with the owner key): the rules already
    // read `api`; the window follows to the same page on the new origin, the tray redraws.
    const started = core;
    started.events.on((event) => {
      const update = serverUpdateOf(event);
      if (!update || quitting) return;
      server = { bindHost: update.host, apiPaused: update.api_paused };
      const moved = api.follow(started.url);
      if (moved) log?.info(moved, "the API moved: the window follows");
      if (moved && mainWindow && !mainWindow.isDestroyed()) {
        mainWindow
          .loadURL(movedPageUrl(mainWindow.webContents.getURL(), moved.from, moved.to))
          .catch((err: unknown) => report("could not follow the API to its new address", err));
      }
      refreshTray();
    });
    try {
      tray = createTray(onTrayAction);
      refreshTray();
      setInterval(() => {
        if (!quitting) refreshTray();
      }, TRAY_REFRESH_MS).unref();
    } catch (err) {
      report("no tray icon", err);
    }
    const hidden = startedHidden(
      process.argv,
      process.platform === "darwin" && app.getLoginItemSettings().wasOpenedAtLogin,
    );
    // Started at login: stay in the tray. Without a tray there would be nothing to click.
    if (!hidden || !tray) showWindow();
    log.info({ url: core.url, dataDir: core.config.dataDir, hidden }, "benchtop desktop ready");
  } catch (err) {
    dialog.showErrorBox(
      "Benchtop could not start",
      err instanceof Error ? err.message : String(err),
    );
    app.exit(1);
  }
}

/**
 * Builds the core on the OS's per-user data folder (`BENCHTOP_DATA_DIR` wins, for development).
 * The engine host runs as an Electron utility process rather than a forked Node.
 */
function startCore(onEngineStderr: (line: string) => void): Promise<Core> {
  return (async () => {
    // The same data folder as `benchtop serve` (config.ts defaultDataDir; BENCHTOP_DATA_DIR
    // overrides), so the desktop app and the headless server share one database.
    const config = loadConfig();
    // As `benchtop serve` does: a port or LAN change made at run time is written to the file the
    // config came from (BENCHTOP_CONFIG), else `<data folder>/config.json`, so it survives a restart.
    const configFile = process.env.BENCHTOP_CONFIG;
    return createCore({
      config,
      configFile: configFile ? path.resolve(configFile) : undefined,
      platform: {
        engineSpawner: utilityEngineSpawner(onEngineStderr),
        secretCipher: safeStorageCipher(),
      },
    });
  })();
}
