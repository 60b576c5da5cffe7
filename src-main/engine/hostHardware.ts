import os from "node:os";
import type { HostSupervisor } from "./HostSupervisor.js";
import type { HostConfig, HostHardware } from "./protocol.js";

/** How long a hardware query waits for the engine host before answering without it. */
const HARDWARE_TIMEOUT_MS = 15_000;

/** The machine as this process sees it, when the engine host cannot tell (no GPU information). */
export function systemHardware(gpu: HostHardware["gpu"] | null): HostHardware & { known: boolean } {
  return {
    known: false,
    gpu: gpu ?? false,
    supportsGpuOffloading: false,
    vramPaddingSize: 0,
    vram: null,
    ram: { total: os.totalmem(), free: os.freemem() },
  };
}

/**
 * Memory and GPU of this machine for fit estimates. With the GPU setting `false` the answer needs
 * no host (CPU only, RAM from the OS). Otherwise the engine host is asked — and started if it is
 * not running, since only it loads a GPU backend; that is the start the first chat would make.
 * If it cannot answer within 15 s, RAM comes from the OS and `known` is false (GPU unknown).
 */
export async function queryHostHardware(
  supervisor: HostSupervisor,
  gpuSetting: HostConfig["gpu"],
): Promise<HostHardware & { known: boolean }> {
  if (gpuSetting === false) return { ...systemHardware(false), known: true };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), HARDWARE_TIMEOUT_MS);
    timer.unref();
  });
  const ask = (async () => {
    await supervisor.ensureStarted();
    return new Promise<HostHardware | undefined>((resolve) => {
      const req = supervisor.request({ type: "hardware" }, (m) => {
        req.release();
        resolve(m.type === "hardware" ? m.hardware : undefined);
      });
    });
  })().catch(() => undefined);
  try {
    const hardware = await Promise.race([ask, timeout]);
    return hardware ? { ...hardware, known: true } : systemHardware(null);
  } finally {
    clearTimeout(timer);
  }
}
