import fs from "node:fs";
import { sleep } from "./proc.js";

/** Clock ticks per second of /proc/stat and /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const HZ = 100;

/** Busy CPU ticks of the whole machine (steal included: time the hypervisor gave to others). */
function machineBusyTicks(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

/** utime + stime of a process, all threads; 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  } catch {
    return 0;
  }
}

interface Sample {
  atMs: number;
  machine: number;
  ours: number;
}

/**
 * Measures CPU used by processes other than the bench's own (this process, Benchtop's engine
 * host, llama-server) — the machine is shared, and on 2 cores any outside work stalls
 * llama.cpp's thread pool. Linux only; elsewhere it reports 0.
 */
export class ForeignCpu {
  private readonly linux = fs.existsSync("/proc/stat");

  constructor(private readonly pids: () => number[]) {}

  sample(): Sample {
    const atMs = performance.now();
    if (!this.linux) return { atMs, machine: 0, ours: 0 };
    const ours = this.pids().reduce((sum, pid) => sum + processTicks(pid), 0);
    return { atMs, machine: machineBusyTicks(), ours };
  }

  /** Cores' worth of CPU used by others between two samples (0.5 = half a core). */
  cores(a: Sample, b: Sample): number {
    const seconds = (b.atMs - a.atMs) / 1000;
    if (seconds <= 0) return 0;
    return Math.max(0, b.machine - a.machine - (b.ours - a.ours)) / HZ / seconds;
  }

  /**
   * Waits until others use less than `thresholdCores` over a `windowMs` window, for at most
   * `maxWaitMs` (then goes on). Returns the last window's figure. Defaults: 0.15 cores, 500 ms.
   */
  async waitForQuiet(maxWaitMs: number, thresholdCores = 0.15, windowMs = 500): Promise<number> {
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      const a = this.sample();
      await sleep(windowMs);
      const foreign = this.cores(a, this.sample());
      if (foreign < thresholdCores || performance.now() >= deadline) return foreign;
    }
  }
}
