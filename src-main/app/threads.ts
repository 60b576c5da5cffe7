import fs from "node:fs";
import os from "node:os";

/**
 * Physical CPU cores: the default llama.cpp thread count. Hyper-threads share a core's
 * arithmetic units, and oversubscribing them makes llama.cpp's spinning thread pool collapse.
 * Linux: unique (physical id, core id) pairs from /proc/cpuinfo. Elsewhere (or if that fails):
 * the logical CPU count.
 */
export function physicalCores(): number {
  const logical = Math.max(1, os.availableParallelism());
  if (process.platform !== "linux") return logical;
  try {
    const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
    const cores = new Set<string>();
    for (const block of cpuinfo.split(/\n\s*\n/)) {
      const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
    }
    // Containers may see fewer CPUs than the host has cores; never exceed what we may use.
    return cores.size > 0 ? Math.min(cores.size, logical) : logical;
  } catch {
    return logical;
  }
}
