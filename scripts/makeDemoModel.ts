/**
 * `npm run demo-model`: writes a tiny random-weights GGUF (`benchtop-demo.gguf`, ~0.4 MB) into the
 * models folder Benchtop would use (same flags/env as `benchtop serve`: --models-dir,
 * BENCHTOP_MODELS_DIR, --data-dir…). Its output is gibberish; it exists so a fresh install can
 * exercise the whole API without downloading weights.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src-main/app/config.js";
import { TINY_MODEL, writeLlamaModel } from "../test/fixtures/gguf/makeLlamaModel.js";

const { values } = parseArgs({
  options: { "data-dir": { type: "string" }, "models-dir": { type: "string" } },
});
const config = loadConfig({ dataDir: values["data-dir"], modelsDir: values["models-dir"] });
fs.mkdirSync(config.modelsDir, { recursive: true });
const file = path.join(config.modelsDir, "benchtop-demo.gguf");
const written = writeLlamaModel(file, { ...TINY_MODEL, name: "benchtop-demo" });
console.log(`Wrote ${written.path} (${written.bytes} bytes). Serve it as model "benchtop-demo".`);
