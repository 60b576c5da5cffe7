/**
 * The shell's boundaries, checked on the sources: Electron is imported only in src-main/shell,
 * and there only by the modules that need it (the pure ones are what the other tests in this
 * folder run under Node); every IPC handler goes through the checked wrapper; the window keeps
 * Electron's security settings. Lint enforces the first rule; this test also proves lint does.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import {
  CONNECTION_CHANNEL,
  DESKTOP_SETTINGS_CHANNEL,
  PICK_MODEL_FILE_CHANNEL,
  SET_DESKTOP_SETTINGS_CHANNEL,
} from "../../src-main/contract/bridge.js";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const shellDir = path.join(root, "src-main/shell");
const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");

/** Modules of src-main/shell that must run under plain Node (tested here without Electron). */
const PURE = [
  "alertNotifications.ts",
  "apiOrigin.ts",
  "closeWithin.ts",
  "contentSecurityPolicy.ts",
  "ipcRules.ts",
  "openAtLogin.ts",
  "safeStorageBackend.ts",
  "serverSwitches.ts",
  "trayMenuModel.ts",
  "urlRules.ts",
];

const importPattern =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|import\s*\(\s*"([^"]+)"\s*\)|require\(\s*"([^"]+)"\s*\)/g;

/** Every module specifier `file` imports (static, dynamic, require), type-only ones included. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, "utf8");
  return [...source.matchAll(importPattern)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** The files reachable from `file` through relative imports, itself included. */
function localClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const spec of importsOf(file)) {
    if (!spec.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts");
    if (fs.existsSync(target)) localClosure(target, seen);
  }
  return seen;
}

const isElectron = (spec: string) => spec === "electron" || spec.startsWith("electron/");

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|tsx|cts|mts)$/.test(f))
    .map((f) => path.join(root, dir, f));
}

describe("electron imports", () => {
  it("the pure shell modules reach no electron import, directly or through other modules", () => {
    for (const name of PURE) {
      const reached = [...localClosure(path.join(shellDir, name))];
      const offenders = reached.filter((f) => importsOf(f).some(isElectron));
      expect([name, offenders]).toEqual([name, []]);
    }
  });

  it("nothing outside src-main/shell imports electron", () => {
    const offenders = [...sourceFiles("src-main"), ...sourceFiles("src-renderer")]
      .filter((f) => !f.startsWith(shellDir + path.sep))
      .filter((f) => importsOf(f).some(isElectron))
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it("lint refuses electron outside src-main/shell and accepts it inside", async () => {
    const eslint = new ESLint({ cwd: root });
    const lint = async (filePath: string) =>
      (
        await eslint.lintText('import { app } from "electron";\nexport const a = app;\n', {
          filePath,
        })
      )
        .flatMap((r) => r.messages)
        .map((m) => m.ruleId);
    expect(await lint(path.join(root, "src-main/app/probe.ts"))).toEqual(["no-restricted-imports"]);
    expect(await lint(path.join(root, "src-main/server/probe.ts"))).toEqual([
      "no-restricted-imports",
    ]);
    expect(await lint(path.join(root, "src-main/contract/probe.ts"))).toEqual([
      "no-restricted-imports",
    ]);
    expect(await lint(path.join(root, "src-renderer/probe.ts"))).toEqual(["no-restricted-imports"]);
    expect(await lint(path.join(root, "src-main/shell/probe.ts"))).toEqual([]);
  });
});

describe("IPC", () => {
  it("registers every handler through the checked wrapper: no raw ipcMain handlers", () => {
    const uses = sourceFiles("src-main/shell").flatMap((f) =>
      [...fs.readFileSync(f, "utf8").matchAll(/ipcMain\.(\w+)\(/g)].map(
        (m) => `${path.basename(f)}:${m[1]}`,
      ),
    );
    // One `handle` (inside handleTrusted) and its `removeHandler`; no on/once/handleOnce.
    expect(uses.sort()).toEqual(["ipc.ts:handle", "ipc.ts:removeHandler"]);
    expect(read("src-main/shell/ipc.ts")).toMatch(
      /ipcMain\.handle\(channel, \(event, \.\.\.args: unknown\[\]\) =>\s+handler\(checkIpcCall\(/,
    );
  });

  it("the preload calls exactly the contract's channels and exposes one object", () => {
    const preload = read("src-main/shell/preload.cts");
    const channels = [...preload.matchAll(/Channel = "([^"]+)"/g)].map((m) => m[1]);
    expect(channels).toEqual([
      CONNECTION_CHANNEL,
      DESKTOP_SETTINGS_CHANNEL,
      SET_DESKTOP_SETTINGS_CHANNEL,
      PICK_MODEL_FILE_CHANNEL,
    ]);
    expect([...preload.matchAll(/exposeInMainWorld\(/g)]).toHaveLength(1);
    expect(preload).toContain('exposeInMainWorld("benchtop", bridge)');
  });
});

describe("the window", () => {
  it("is created in one place, isolated, sandboxed, without Node, with web security", () => {
    const creators = sourceFiles("src-main/shell")
      .filter((f) => fs.readFileSync(f, "utf8").includes("new BrowserWindow("))
      .map((f) => path.basename(f));
    expect(creators).toEqual(["window.ts"]);
    const window = read("src-main/shell/window.ts");
    for (const setting of [
      "contextIsolation: true",
      "sandbox: true",
      "nodeIntegration: false",
      "nodeIntegrationInSubFrames: false",
      "webSecurity: true",
      "allowRunningInsecureContent: false",
      "webviewTag: false",
    ])
      expect([setting, window.includes(`      ${setting},`)]).toEqual([setting, true]);
    for (const guard of [
      "setWindowOpenHandler(",
      '"will-frame-navigate"',
      '"will-redirect"',
      '"will-attach-webview"',
      "setPermissionRequestHandler(",
      "setPermissionCheckHandler(",
      "setDevicePermissionHandler(",
      "webRequest.onHeadersReceived(",
    ])
      expect([guard, window.includes(guard)]).toEqual([guard, true]);
  });
});
