import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (installed by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The flags these machines need: no sandbox as root, and no background network chatter. */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Whether browser tests can run here. CI installs Chromium and must run them, so a missing
 * browser throws there; a developer machine without it skips the file.
 */
export function chromiumAvailable(): boolean {
  const found = fs.existsSync(CHROMIUM_PATH);
  if (!found && process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}

/** dist/renderer (or $RENDERER_DIR), built once if this checkout has not been built yet (`npm test` before `npm run build`). */
export function builtRenderer(): string {
  // RENDERER_DIR: a build of one's own (`npx vite build --outDir /tmp/x`), so parallel work on the
  // renderer does not swap dist/renderer under a running browser test.
  const dir = path.resolve(process.env.RENDERER_DIR ?? "dist/renderer");
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    execFileSync(
      process.execPath,
      [path.resolve("node_modules/vite/bin/vite.js"), "build", "--logLevel", "error"],
      {
        stdio: "inherit",
      },
    );
  }
  return dir;
}

/** Saves a screenshot under test-results/ (CI keeps that folder as an artifact). */
export function screenshotPath(name: string): string {
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  return path.join("test-results/screenshots", `${name}.png`);
}
