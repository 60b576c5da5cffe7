#!/usr/bin/env node
// The `benchtop` command. Runs the compiled core (npm run build:main writes dist/main).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/main/app/main.js", import.meta.url));
if (!existsSync(entry)) {
  console.error("Benchtop is not built yet: run `npm run build:main` (or `npm run serve`) first.");
  process.exit(1);
}
await import(entry);
