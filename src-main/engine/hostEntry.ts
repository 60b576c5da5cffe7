import { fileURLToPath } from "node:url";

/**
 * Path of the engine host's entry file, and the Node flags needed to run it. From compiled
 * output that is `dist/main/engine/host/engineHost.js`; when the core itself runs from
 * TypeScript sources (tests, `tsx`), it is the `.ts` file, run through tsx's loader.
 */
export function engineHostEntry(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith(".ts")) {
    return {
      path: fileURLToPath(new URL("./host/engineHost.ts", import.meta.url)),
      execArgv: ["--import", "tsx"],
    };
  }
  return { path: fileURLToPath(new URL("./host/engineHost.js", import.meta.url)), execArgv: [] };
}
