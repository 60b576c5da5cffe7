// Builds llama.cpp for this machine from the source node-llama-cpp ships (offline: its git bundle),
// with OpenMP and this CPU's instructions, for the engine host to load (`engine.binary`: `auto`
// takes it when present, `prebuilt` ignores it). About 15 minutes on 2 cores; needs cmake and a
// C++ compiler. A GPU backend: pass `--gpu cuda` (or vulkan, metal) to build for it instead.
//
//   npm run build:native-engine [-- --gpu cuda]
//   npx node-llama-cpp source clear builds   # removes it again (the prebuilt binary is used)
import { spawnSync } from "node:child_process";
import { NATIVE_CMAKE } from "../src-main/engine/nativeBuild.js";

const args = process.argv.slice(2);
const env = { ...process.env };
for (const [option, value] of Object.entries(NATIVE_CMAKE))
  env[`NODE_LLAMA_CPP_CMAKE_OPTION_${option}`] = value;
const result = spawnSync(
  "npx",
  [
    "--no",
    "node-llama-cpp",
    "source",
    "download",
    ...(args.includes("--gpu") ? [] : ["--gpu", "false"]),
    "--noUsageExample",
    ...args,
  ],
  { stdio: "inherit", env },
);
process.exit(result.status ?? 1);
