/**
 * Preload of the main window. Runs sandboxed, so it must be CommonJS and may `require` only
 * `electron` (no sibling files): this file compiles to `preload.cjs`. It exposes one function;
 * everything else goes through the HTTP API (DESIGN.md §1).
 */
// `import … = require` because verbatimModuleSyntax forbids ESM import syntax in a .cts file.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- this file must be CommonJS
import electron = require("electron");
import type { BenchtopBridge, ConnectionChannel } from "../contract/bridge.js";

// Repeated from the contract (it cannot be required here); the type keeps the two in step.
const connectionChannel: ConnectionChannel = "benchtop:connection";

const bridge: BenchtopBridge = {
  getConnection: () => electron.ipcRenderer.invoke(connectionChannel),
};

electron.contextBridge.exposeInMainWorld("benchtop", bridge);
