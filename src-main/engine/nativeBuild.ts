/**
 * The CMake options of Benchtop's native llama.cpp build (`npm run build:native-engine`, which
 * runs `node-llama-cpp source download --gpu false` with them as NODE_LLAMA_CPP_CMAKE_OPTION_*).
 * node-llama-cpp names a local build's folder after its custom options, so the engine host finds
 * this build only when it asks with the same options (`engine.binary`: `auto` or `native`), and
 * `prebuilt` never picks it up.
 *
 * GGML_NATIVE compiles for this machine's CPU (AVX-512, VNNI… where present); a source build also
 * links OpenMP, which node-llama-cpp's prebuilt CPU binaries lack (research: performance.md §2b,
 * 64 → 106 tokens/s single-stream on a 2-vCPU machine).
 */
export const NATIVE_CMAKE: Record<string, string> = { GGML_NATIVE: "ON" };
