import type { NetworkInterfaceInfo } from "node:os";
import { isLoopbackHost } from "../app/hostNames.js";
import type { PatchServerBody } from "../contract/index.js";

/**
 * What the tray icon shows: the server's state, and a few quick actions. Pure (no `electron`
 * import) so it is tested under Node; `tray.ts` turns the model into an Electron `Menu`.
 */

export interface TrayStatus {
  /** Where this machine reaches the API (`core.url`); `undefined` until the core listens. */
  url: string | undefined;
  /**
   * The address the server is bound to now (`serverControl.binding().host`, e.g. `127.0.0.1` or
   * `0.0.0.0`); it moves when LAN sharing is switched at run time.
   */
  bindHost: string;
  /** `/v1` answers `503 server_paused` (`serverControl.apiPaused`). */
  apiPaused: boolean;
  /** A server switch is being applied: the switches wait for it. */
  switching: boolean;
  /** This machine's network interfaces (`os.networkInterfaces()`), for the LAN address. */
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The app is quitting: the server finishes in-flight requests. */
  stopping: boolean;
  openAtLogin: boolean;
  openAtLoginSupported: boolean;
}

export type TrayAction =
  | "open-window"
  | "toggle-lan"
  | "toggle-api-paused"
  | "open-server-page"
  | "toggle-open-at-login"
  | "quit";

export type TrayItem =
  | { type: "status"; label: string }
  | { type: "separator" }
  | { type: "action"; action: TrayAction; label: string; enabled: boolean; checked?: boolean };

export interface TrayMenuModel {
  tooltip: string;
  items: TrayItem[];
}

/** Most LAN addresses listed in the menu (a machine with Docker or VPNs has many). */
const MAX_LAN_ADDRESSES = 3;

/**
 * The URLs teammates on the LAN would use: one per non-internal IPv4 address when the server is
 * bound to every interface, or the bound address itself. Link-local (169.254.x.x) addresses are
 * left out: they are not how a lab reaches a workstation.
 */
export function lanUrls(status: Pick<TrayStatus, "url" | "bindHost" | "interfaces">): string[] {
  if (!status.url || isLoopbackHost(status.bindHost)) return [];
  const port = new URL(status.url).port;
  const withPort = (host: string) => `http://${host}${port ? `:${port}` : ""}`;
  if (status.bindHost !== "0.0.0.0" && status.bindHost !== "::") {
    return [withPort(status.bindHost.includes(":") ? `[${status.bindHost}]` : status.bindHost)];
  }
  const urls: string[] = [];
  for (const list of Object.values(status.interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || a.family !== "IPv4" || a.address.startsWith("169.254.")) continue;
      urls.push(withPort(a.address));
    }
  }
  return urls.slice(0, MAX_LAN_ADDRESSES);
}

export function trayMenuModel(status: TrayStatus): TrayMenuModel {
  const lan = !isLoopbackHost(status.bindHost);
  const lanList = lanUrls(status);
  const serverLine = status.stopping
    ? "Stopping: finishing requests…"
    : status.url
      ? `Listening on ${status.url}`
      : "Starting…";
  const stateLines = !lan
    ? ["Shared on the LAN: off"]
    : lanList.length > 0
      ? lanList.map((u) => `Shared on the LAN: ${u}`)
      : ["Shared on the LAN: on (no network address found)"];
  if (status.apiPaused) stateLines.push("API paused: /v1 answers 503");
  const running = !status.stopping;
  const canSwitch = running && status.url !== undefined && !status.switching;
  const items: TrayItem[] = [
    { type: "status", label: serverLine },
    ...stateLines.map((label): TrayItem => ({ type: "status", label })),
    { type: "separator" },
    { type: "action", action: "open-window", label: "Open Benchtop", enabled: running },
    {
      type: "action",
      action: "open-server-page",
      // The port, the addresses to hand out and their QR code live on the server page.
      label: "Server settings…",
      enabled: running && status.url !== undefined,
    },
    { type: "separator" },
    {
      type: "action",
      action: "toggle-lan",
      label: "Share on the LAN",
      enabled: canSwitch,
      checked: lan,
    },
    {
      type: "action",
      action: "toggle-api-paused",
      label: "Pause API",
      enabled: canSwitch,
      checked: status.apiPaused,
    },
    {
      type: "action",
      action: "toggle-open-at-login",
      label: "Start at login",
      enabled: running && status.openAtLoginSupported,
      checked: status.openAtLogin,
    },
    { type: "separator" },
    { type: "action", action: "quit", label: "Quit Benchtop", enabled: running },
  ];
  const tooltip = status.stopping
    ? "Benchtop: stopping"
    : status.url
      ? `Benchtop: ${lan ? "shared on the LAN" : "this computer only"} (${lanList[0] ?? status.url})` +
        (status.apiPaused ? ", API paused" : "")
      : "Benchtop: starting";
  return { tooltip, items };
}

/**
 * The change a server switch asks for, from the state the menu showed: `toggle-lan` flips LAN
 * sharing, `toggle-api-paused` the pause switch; other actions change nothing on the server.
 */
export function serverSwitchPatch(
  action: TrayAction,
  status: Pick<TrayStatus, "bindHost" | "apiPaused">,
): PatchServerBody | undefined {
  if (action === "toggle-lan") return { lan: isLoopbackHost(status.bindHost) };
  if (action === "toggle-api-paused") return { api_paused: !status.apiPaused };
  return undefined;
}

/**
 * The app's server page (the port, the addresses to share, the settings), or another page by
 * its hash route, on the app's origin.
 */
export function serverPageUrl(appOrigin: string, hash = "#/server"): string {
  return new URL(`/${hash}`, appOrigin).href;
}
