import { ipcMain, type IpcMainInvokeEvent } from "electron";
import { CONNECTION_CHANNEL, type BenchtopConnection } from "../contract/bridge.js";

export interface IpcOptions {
  /** The origin allowed to call: the core's own HTTP server, which serves the renderer. */
  appOrigin: string;
  /** Resolves once the core listens; the window may ask before that. */
  connection: () => Promise<BenchtopConnection>;
}

/**
 * Answers the preload's one call. IPC hands out only the API's address and the owner token;
 * everything else goes over HTTP (DESIGN.md §1). Returns a function that unregisters.
 */
export function registerIpc(opts: IpcOptions): () => void {
  ipcMain.handle(CONNECTION_CHANNEL, async (event) => {
    if (!isTrustedSender(event, opts.appOrigin)) {
      throw new Error(`${CONNECTION_CHANNEL} refused: not Benchtop's own page`);
    }
    return opts.connection();
  });
  return () => ipcMain.removeHandler(CONNECTION_CHANNEL);
}

/**
 * The address the renderer should call. A server bound to every interface (`0.0.0.0`, `::`) is
 * reached over loopback, which the renderer's CSP allows (`connect-src http://127.0.0.1:*`).
 */
export function rendererBaseUrl(coreUrl: string): string {
  const url = new URL(coreUrl);
  if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = "127.0.0.1";
  return url.origin;
}

/**
 * Only the top frame of our own page may ask (the check Electron's security guide asks for):
 * not an iframe, not a page the window was somehow navigated to.
 */
function isTrustedSender(event: IpcMainInvokeEvent, appOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !URL.canParse(frame.url)) return false;
  return new URL(frame.url).origin === appOrigin;
}
