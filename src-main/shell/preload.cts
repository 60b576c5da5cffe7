/**
 * Preload of the main window. Runs sandboxed, so it must be CommonJS and may `require` only
 * `electron` (no sibling files): this file compiles to `preload.cjs`. It exposes four functions
 * and no Electron object; everything else goes through the HTTP API (DESIGN.md §1). The main
 * process checks the sender and the arguments of every call (ipc.ts).
 */
// `import … = require` because verbatimModuleSyntax forbids ESM import syntax in a .cts file.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this file must be CommonJS
import electron = require("electron");
import type {
  BenchtopBridge,
  ConnectionChannel,
  DesktopSettingsChannel,
  PickModelFileChannel,
  SetDesktopSettingsChannel,
} from "../contract/bridge.js";

// Repeated from the contract (it cannot be required here); the types keep the two in step.
const connectionChannel: ConnectionChannel = "benchtop:connection";
const desktopSettingsChannel: DesktopSettingsChannel = "benchtop:desktop-settings";
const setDesktopSettingsChannel: SetDesktopSettingsChannel = "benchtop:desktop-settings:set";
const pickModelFileChannel: PickModelFileChannel = "benchtop:pick-model-file";

const bridge: BenchtopBridge = {
  getConnection: () => electron.ipcRenderer.invoke(connectionChannel),
  getDesktopSettings: () => electron.ipcRenderer.invoke(desktopSettingsChannel),
  // Only the patch crosses: the main process validates it (a strict object of known fields).
  setDesktopSettings: (patch) => electron.ipcRenderer.invoke(setDesktopSettingsChannel, patch),
  pickModelFile: () => electron.ipcRenderer.invoke(pickModelFileChannel),
};

electron.contextBridge.exposeInMainWorld("benchtop", bridge);
