import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Forks, not threads: better-sqlite3 and node-llama-cpp are native addons, and the engine host
// is a child process per core. Two workers match the 2-core build machines.
export default defineConfig({
  // The renderer's alias (vite.config.ts), for renderer tests under test/renderer/.
  resolve: {
    alias: [
      {
        find: /^@contract$/,
        replacement: fileURLToPath(new URL("./src-main/contract/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    pool: "forks",
    maxWorkers: 2,
    include: ["test/**/*.test.{ts,tsx}"],
    exclude: ["node_modules/**"],
    // Upper bounds for hangs only (no test asserts timing); generous for a loaded 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
