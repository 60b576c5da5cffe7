/**
 * Electron entry point (package.json `main`): one instance, one core, one window. The core is
 * the same `createCore()` the headless CLI uses; the shell adds the window, the engine host as a
 * utility process and the OS data folder (DESIGN.md §1).
 */
import { app, dialog, type BrowserWindow } from "electron";
import { loadConfig } from "../app/config.js";
import { createCore, type Core } from "../app/createCore.js";
import type { Logger } from "../app/logger.js";
import type { BenchtopConnection } from "../contract/bridge.js";
import { registerIpc, rendererBaseUrl } from "./ipc.js";
import { safeStorageCipher } from "./safeStorageCipher.js";
import { utilityEngineSpawner } from "./utilityEngineSpawner.js";
import { createMainWindow } from "./window.js";

/** How long quitting waits for `core.close()` before exiting anyway. The server's own grace is 10 s. */
const QUIT_DEADLINE_MS = 20_000;

// A second instance would fight the first for the port and the database: it hands over to the
// first (which focuses its window, below) and quits.
if (app.requestSingleInstanceLock()) {
  void runApp();
} else {
  app.quit();
}

async function runApp(): Promise<void> {
  let log: Logger | undefined;
  let mainWindow: BrowserWindow | undefined;
  let quitting = false;

  // Problems go to the core's logger once it exists, to stderr before that.
  const report = (what: string, err: unknown) => {
    if (log) log.warn({ err }, what);
    else process.stderr.write(`benchtop: ${what}: ${String(err)}\n`);
  };
  let appUrl: string | undefined;
  const showWindow = () => {
    if (!appUrl) return; // the window opens once the core listens (see below)
    if (!mainWindow || mainWindow.isDestroyed()) mainWindow = createMainWindow(appUrl, report);
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  };

  await app.whenReady();
  const corePromise = startCore((line) => report("engine host", line));
  // The owner token lets the person at this desk in without typing a key (DESIGN.md §5).
  const connection = async (): Promise<BenchtopConnection> => {
    const core = await corePromise;
    return { baseUrl: rendererBaseUrl(requireUrl(core)), ownerToken: core.ownerToken };
  };

  app.on("second-instance", showWindow);
  // macOS keeps apps running with no window and reopens one from the dock.
  app.on("activate", showWindow);
  app.on("window-all-closed", () => {
    if (process.platform !== "darwin") app.quit();
  });
  // Quitting waits for the core: in-flight requests finish, then the engine and the store close.
  app.on("before-quit", (event) => {
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    setTimeout(() => app.exit(1), QUIT_DEADLINE_MS).unref();
    corePromise
      .then((core) => core.close())
      .catch((err: unknown) => report("error while stopping", err))
      .finally(() => app.exit(0));
  });

  try {
    const core = await corePromise;
    log = core.log.child({ mod: "shell" });
    appUrl = (await connection()).baseUrl;
    registerIpc({ appOrigin: new URL(appUrl).origin, connection });
    showWindow();
    log.info({ url: core.url, dataDir: core.config.dataDir }, "benchtop desktop ready");
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
    return createCore({
      config,
      platform: {
        engineSpawner: utilityEngineSpawner(onEngineStderr),
        secretCipher: safeStorageCipher(),
      },
    });
  })();
}

function requireUrl(core: Core): string {
  if (!core.url) throw new Error("the core is not listening");
  return core.url;
}
