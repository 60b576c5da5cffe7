/**
 * electron-builder.yml, read the way `npm run dist` reads it: electron-builder's own loader and
 * schema validation, and its own file matchers deciding, per platform and arch, which app files
 * and which node_modules files go into the installer and which are unpacked from the asar.
 * Nothing is packaged (that needs Electron's binary and the network).
 *
 * The matchers are electron-builder internals (app-builder-lib/out/fileMatcher.js), loaded
 * through electron-builder's own dependency tree; if an electron-builder upgrade moves them,
 * this test fails loudly rather than passing blindly.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const projectDir = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

type Filter = (file: string, stat: FakeStat) => boolean;
interface FakeStat {
  isDirectory(): boolean;
  moduleFullFilePath?: string;
}
interface Matcher {
  patterns: string[];
  createFilter(): Filter;
}
type Config = Record<string, unknown> & {
  linux: Record<string, unknown>;
  mac: Record<string, unknown>;
  win: Record<string, unknown>;
};
type Expander = (pattern: string) => string;
interface AppBuilderLib {
  config: {
    getConfig(projectDir: string, configPath: null, fromOptions: null): Promise<Config>;
    validateConfiguration(config: Config, logger: unknown): Promise<void>;
  };
  fileMatcher: {
    FileMatcher: new (from: string, to: string, expand: Expander, patterns: string[]) => Matcher;
    getFileMatchers(
      config: Config,
      name: "asarUnpack",
      destination: string,
      options: object,
    ): Matcher[] | null;
    getMainFileMatchers(
      appDir: string,
      destination: string,
      expand: Expander,
      platformOptions: Record<string, unknown>,
      packager: object,
      outDir: string,
      isElectronCompile: boolean,
    ): Matcher[];
    getNodeModuleFileMatcher(
      appDir: string,
      destination: string,
      expand: Expander,
      platformOptions: Record<string, unknown>,
      packager: object,
    ): Matcher;
  };
  expandMacro(pattern: string, arch: string, appInfo: object, extra: object): string;
  DebugLogger: new (enabled: boolean) => unknown;
}

/** app-builder-lib and builder-util as electron-builder itself resolves them. */
function loadAppBuilderLib(): AppBuilderLib {
  const fromProject = createRequire(path.join(projectDir, "package.json"));
  const fromBuilder = createRequire(fromProject.resolve("electron-builder"));
  const fromLib = createRequire(fromBuilder.resolve("app-builder-lib"));
  return {
    config: fromLib("./util/config/config.js") as AppBuilderLib["config"],
    fileMatcher: fromLib("./fileMatcher.js") as AppBuilderLib["fileMatcher"],
    expandMacro: (fromLib("./util/macroExpander.js") as Pick<AppBuilderLib, "expandMacro">)
      .expandMacro,
    DebugLogger: (fromLib("builder-util") as Pick<AppBuilderLib, "DebugLogger">).DebugLogger,
  };
}

type Os = "linux" | "mac" | "win";
const file: FakeStat = { isDirectory: () => false };
const destination = "/out/resources/app";

let lib: AppBuilderLib;
let config: Config;

beforeAll(async () => {
  lib = loadAppBuilderLib();
  config = await lib.config.getConfig(projectDir, null, null);
});

/** What electron-builder decides for one target (`os`, `arch`). */
function target(os: Os, arch: string) {
  const expand: Expander = (p) =>
    lib.expandMacro(
      p,
      arch,
      { productName: "Benchtop", sanitizedProductName: "Benchtop" },
      { os, "/*": "{,/**/*}" },
    );
  const platformOptions = config[os];
  const info = {
    projectDir,
    buildResourcesDir: path.join(projectDir, "resources"),
    config,
    isPrepackedAppAsar: false,
    debugLogger: new lib.DebugLogger(false),
  };
  const outDir = path.join(projectDir, "release");
  const [main] = lib.fileMatcher.getMainFileMatchers(
    projectDir,
    destination,
    expand,
    platformOptions,
    { info },
    outDir,
    false,
  );
  const nodeModules = lib.fileMatcher.getNodeModuleFileMatcher(
    projectDir,
    destination,
    expand,
    platformOptions,
    info,
  );
  const [unpack] = lib.fileMatcher.getFileMatchers(config, "asarUnpack", destination, {
    macroExpander: expand,
    customBuildOptions: platformOptions,
    globalOutDir: outDir,
    defaultSrc: projectDir,
  })!;
  const appFilter = main!.createFilter();
  const unpackFilter = unpack!.createFilter();
  /** `node_modules/<module>/<inner>` as electron-builder's module copier sees it. */
  const moduleStat = (module: string, inner: string): FakeStat => ({
    isDirectory: () => false,
    moduleFullFilePath: path.posix.join("node_modules", module, inner),
  });
  return {
    /** A file of the app itself (relative to the project) goes into the installer. */
    shipsAppFile: (rel: string) => appFilter(path.join(projectDir, rel), file),
    /** A file of a production dependency goes into the installer. */
    shipsModuleFile: (module: string, inner: string) => {
      const dir = path.join(projectDir, "node_modules", module);
      const filter = new lib.fileMatcher.FileMatcher(
        dir,
        path.join(destination, "node_modules", module),
        expand,
        nodeModules.patterns,
      ).createFilter();
      return filter(path.join(dir, inner), moduleStat(module, inner));
    },
    /** A dependency's file is unpacked next to the asar (native code must be a real file). */
    unpacksModuleFile: (module: string, inner: string) =>
      unpackFilter(path.join(projectDir, "node_modules", module, inner), moduleStat(module, inner)),
    unpacksAppFile: (rel: string) => unpackFilter(path.join(projectDir, rel), file),
  };
}

describe("electron-builder.yml", () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(
      lib.config.validateConfiguration(config, new lib.DebugLogger(false)),
    ).resolves.toBeUndefined();
    // The check can fail: a misspelled option is refused.
    await expect(
      lib.config.validateConfiguration(
        { ...config, linux: { ...config.linux, tagret: ["deb"] } },
        new lib.DebugLogger(false),
      ),
    ).rejects.toThrow(/configuration\.linux/);
  });

  it("builds AppImage and deb on Linux, dmg on macOS, a per-user NSIS installer on Windows", () => {
    expect(config.linux.target).toEqual(["AppImage", "deb"]);
    expect(config.mac.target).toEqual(["dmg"]);
    expect(config.win.target).toEqual(["nsis"]);
    expect(config.nsis).toMatchObject({ oneClick: true, perMachine: false });
    expect(config.asar).toBe(true);
    expect(config.publish).toBeNull();
  });

  it("names the app as the shell does (Windows shows notifications only for this id)", () => {
    expect(config.appId).toBe("dev.benchtop.app");
    expect(fs.readFileSync(path.join(projectDir, "src-main/shell/main.ts"), "utf8")).toContain(
      `const APP_USER_MODEL_ID = "${config.appId as string}";`,
    );
  });

  it("flips the fuses that let outside input run code, keeping runAsNode for node-llama-cpp", () => {
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it.each([
    ["linux", "x64"],
    ["mac", "arm64"],
    ["win", "x64"],
  ] as const)("ships compiled output and resources only (%s %s)", (os, arch) => {
    const t = target(os, arch);
    for (const kept of [
      "package.json",
      "dist/main/shell/main.js",
      "dist/main/shell/preload.cjs",
      "dist/main/engine/host/engineHost.js",
      "dist/renderer/index.html",
      "resources/icons/icon.png",
      "resources/catalog/prices.json",
      // Read at run time by the local provider (src-main/providers/local/promptNoise.ts).
      "resources/rules/prompt-noise.json",
    ])
      expect([kept, t.shipsAppFile(kept)]).toEqual([kept, true]);
    for (const dropped of [
      "src-main/shell/main.ts",
      "src-renderer/App.tsx",
      "test/shell/electronBuilder.test.ts",
      "bench/admission.ts",
      "docs/DESKTOP.md",
      "scripts/makeDemoModel.ts",
      "README.md",
      "electron-builder.yml",
      "tsconfig.json",
      "release/Benchtop.AppImage",
    ])
      expect([dropped, t.shipsAppFile(dropped)]).toEqual([dropped, false]);
  });

  /** Every @node-llama-cpp prebuilt package node-llama-cpp 3.22 lists. */
  const llamaPackages = [
    "linux-arm64",
    "linux-armv7l",
    "linux-x64",
    "linux-x64-cuda",
    "linux-x64-cuda-ext",
    "linux-x64-vulkan",
    "mac-arm64-metal",
    "mac-x64",
    "win-arm64",
    "win-x64",
    "win-x64-cuda",
    "win-x64-cuda-ext",
    "win-x64-vulkan",
  ];
  it.each([
    ["linux", "x64", ["linux-x64", "linux-x64-cuda", "linux-x64-cuda-ext", "linux-x64-vulkan"]],
    ["linux", "arm64", ["linux-arm64"]],
    ["linux", "armv7l", ["linux-armv7l"]],
    ["mac", "arm64", ["mac-arm64-metal"]],
    ["mac", "x64", ["mac-x64"]],
    ["win", "x64", ["win-x64", "win-x64-cuda", "win-x64-cuda-ext", "win-x64-vulkan"]],
    ["win", "arm64", ["win-arm64"]],
  ] as const)("keeps only the target's llama.cpp binaries (%s %s)", (os, arch, expected) => {
    const t = target(os, arch);
    const kept = llamaPackages.filter((name) =>
      t.shipsModuleFile(`@node-llama-cpp/${name}`, `bins/${name}/llama-addon.node`),
    );
    expect(kept).toEqual(expected);
    // The package's own entry point goes with its binaries, or not at all.
    const withIndex = llamaPackages.filter((name) =>
      t.shipsModuleFile(`@node-llama-cpp/${name}`, "dist/index.js"),
    );
    expect(withIndex).toEqual(expected);
  });

  it("keeps the other dependencies whole, and leaves node-llama-cpp's local builds out", () => {
    const t = target("linux", "x64");
    expect(t.shipsModuleFile("node-llama-cpp", "dist/index.js")).toBe(true);
    expect(t.shipsModuleFile("node-llama-cpp", "llama/grammars/json.gbnf")).toBe(true);
    expect(t.shipsModuleFile("better-sqlite3", "build/Release/better_sqlite3.node")).toBe(true);
    expect(t.shipsModuleFile("express", "index.js")).toBe(true);
    expect(t.shipsModuleFile("zod", "index.js")).toBe(true);
    expect(
      t.shipsModuleFile("node-llama-cpp", "llama/localBuilds/linux-x64/Release/llama-addon.node"),
    ).toBe(false);
  });

  it("unpacks native code from the asar: .node files and node-llama-cpp's binaries", () => {
    const t = target("linux", "x64");
    expect(t.unpacksModuleFile("better-sqlite3", "build/Release/better_sqlite3.node")).toBe(true);
    expect(
      t.unpacksModuleFile("@node-llama-cpp/linux-x64", "bins/linux-x64/llama-addon.node"),
    ).toBe(true);
    // Shared libraries loaded by the addon, found by the OS next to it.
    expect(
      t.unpacksModuleFile("@node-llama-cpp/linux-x64-cuda", "bins/linux-x64-cuda/libggml-cuda.so"),
    ).toBe(true);
    expect(t.unpacksModuleFile("node-llama-cpp", "dist/index.js")).toBe(true);
    // Everything else stays packed.
    expect(t.unpacksModuleFile("express", "index.js")).toBe(false);
    expect(t.unpacksAppFile("dist/main/shell/main.js")).toBe(false);
    expect(t.unpacksAppFile("resources/icons/icon.png")).toBe(false);
  });
});
