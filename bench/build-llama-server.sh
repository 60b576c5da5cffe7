#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` OFFLINE from the llama.cpp source that node-llama-cpp ships,
# so that bench/local-serving.ts compares Benchtop with the very same llama.cpp commit.
#
#   nice -n 19 bench/build-llama-server.sh     # about 15 min on 2 cores
#
# Source: node_modules/node-llama-cpp/llama/llama.cpp if present (a node-llama-cpp source build
# leaves it there), else the git bundle node_modules/node-llama-cpp/llama/gitRelease.bundle,
# cloned into bench/.cache/llama.cpp-src with node-llama-cpp's own patches (llama/patches/*.diff)
# applied when they apply cleanly, as node-llama-cpp does for its source builds. That clone is
# removed after a successful build: it holds JS/TS (the web UI) that `eslint bench` would lint.
# Output: bench/.cache/llama.cpp-build/bin/llama-server (bench/.cache is git-ignored).
# Env: JOBS (default 2), FORCE=1 (rebuild even if the binary exists), KEEP_SRC=1 (keep the clone),
#      CMAKE_EXTRA (extra cmake arguments; default none).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nlc="$root/node_modules/node-llama-cpp/llama"
cache="$root/bench/.cache"
src="$cache/llama.cpp-src"
build="$cache/llama.cpp-build"
bin="$build/bin/llama-server"
jobs="${JOBS:-2}"
cloned=0

if [[ -x "$bin" && "${FORCE:-0}" != "1" ]]; then
  echo "already built: $bin (FORCE=1 to rebuild)"
  exit 0
fi
mkdir -p "$cache"

if [[ -f "$nlc/llama.cpp/CMakeLists.txt" ]]; then
  src="$nlc/llama.cpp"
  echo "source: $src (folder left by a node-llama-cpp source build)"
elif [[ -f "$nlc/gitRelease.bundle" ]]; then
  echo "source: cloning $nlc/gitRelease.bundle into $src"
  rm -rf "$src"
  git -c advice.detachedHead=false clone --quiet "$nlc/gitRelease.bundle" "$src"
  cloned=1
  for patch in "$nlc"/patches/*.diff; do
    [[ -f "$patch" ]] || continue
    if git -C "$src" apply --check "$patch" 2>/dev/null; then
      git -C "$src" apply "$patch"
      echo "applied $(basename "$patch")"
    else
      echo "skipped $(basename "$patch") (does not apply cleanly)"
    fi
  done
else
  echo "no llama.cpp source under $nlc (is node-llama-cpp installed?)" >&2
  exit 1
fi

# A build dir configured from another source folder cannot be reused.
if [[ -f "$build/CMakeCache.txt" ]] && ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$src\$" \
  "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# GGML_NATIVE=ON: -march=native (and OpenMP when found), as a local source build on this machine.
# LLAMA_CURL/LLAMA_OPENSSL OFF: no network code, so no extra dev headers are needed.
# shellcheck disable=SC2086
cmake -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=ON \
  ${CMAKE_EXTRA:-}

cmake --build "$build" --target llama-server -j "$jobs"

if [[ "$cloned" == "1" && "${KEEP_SRC:-0}" != "1" ]]; then rm -rf "$src"; fi
echo "built: $bin"
"$bin" --version 2>&1 | tail -n 2 || true
