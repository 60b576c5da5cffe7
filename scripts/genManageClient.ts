/**
 * Generates src-renderer/api/manageEndpoints.gen.ts: one typed entry per management route,
 * naming the contract schemas the route table uses, so the renderer's client is derived from
 * src-main/contract and the server's route table instead of being written by hand.
 *
 *   npm run gen:manage-client           # write the file
 *   npm run gen:manage-client -- --check  # exit 1 when the file is stale (test/contract does this too)
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderManageEndpoints } from "./manageEndpointsSource.js";

const OUT = fileURLToPath(new URL("../src-renderer/api/manageEndpoints.gen.ts", import.meta.url));

const fresh = await renderManageEndpoints();
if (process.argv.includes("--check")) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
  if (current !== fresh) {
    console.error(`${path.relative(process.cwd(), OUT)} is stale: run npm run gen:manage-client`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(OUT, fresh);
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}
