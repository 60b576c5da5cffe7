import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const fromRepo = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * Builds the renderer (`npm run build:renderer`) into dist/renderer. The core's HTTP server
 * serves it at `/` (to the Electron window and to browsers); every URL in the output is relative
 * (`base: "./"`) so it also opens under `vite preview`.
 */
export default defineConfig({
  root: fromRepo("./src-renderer"),
  base: "./",
  plugins: [react()],
  resolve: {
    // The renderer's one way into src-main (the same path is mapped in tsconfig.renderer.json).
    alias: [{ find: /^@contract$/, replacement: fromRepo("./src-main/contract/index.ts") }],
  },
  build: {
    outDir: fromRepo("./dist/renderer"),
    // outDir is outside `root`, so Vite would otherwise keep stale hashed files around.
    emptyOutDir: true,
    // No source maps in the shipped UI: the server would hand the whole source (8 MiB) to anyone
    // who can reach it. `vite dev` still has them; the server never serves `*.map` either way.
    sourcemap: false,
  },
  // Loopback only: the dev and preview servers are for this machine, never the LAN.
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  preview: { host: "127.0.0.1", port: 4173, strictPort: true },
});
