import fs from "node:fs";
import net from "node:net";
import os from "node:os";

/** Resident set size of `pid` in MiB from /proc/<pid>/status (Linux); undefined elsewhere. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux, or the process is gone
  }
  return pid === process.pid ? process.memoryUsage().rss / 2 ** 20 : undefined;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The machine, for the report: CPU model, logical CPUs, RAM, load averages. */
export function machineInfo() {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    cpuModel,
    logicalCpus: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${process.platform} ${os.release()}`,
    node: process.version,
  };
}
