import { EngineError } from "./EngineError.js";
import { estimateContextOf } from "./loadSettings.js";
import type { LocalModel } from "./ModelRegistry.js";
import { estimateModelFit } from "./modelFit.js";
import type { HostHardware, LoadOptions } from "./protocol.js";

/** Bytes of RAM and VRAM. */
export interface Memory {
  ram: number;
  vram: number;
}

/** A loaded model that could be unloaded to make room. */
export interface EvictionCandidate {
  id: string;
  memory: Memory;
  lastUsedMs: number;
  /** Serving or loading: never evicted. */
  busy: boolean;
}

export interface RoomQuery {
  /** Estimated bytes the model about to load needs (weights + context). */
  need: Memory;
  /** Free memory as the engine host reports it now; `vram` null without a GPU. */
  free: { ram: number; vram: number | null };
  /**
   * Bytes all loaded models may occupy together, RAM and VRAM summed (`engine.memoryBudgetMb`);
   * `undefined`: no budget beyond what is free.
   */
  budget?: number;
  loaded: EvictionCandidate[];
}

/**
 * The least recently used idle models to unload so that a model needing `need` fits: free memory
 * plus what the victims release covers it (VRAM only where there is a GPU: without one the need is
 * all RAM), and, with a budget, the loaded models plus the new one stay within it. Returns the
 * victims in eviction order and whether the new model then fits; when it cannot fit even with
 * every idle model gone, all idle models are returned with `fits: false`.
 */
export function victimsFor(q: RoomQuery): { victims: EvictionCandidate[]; fits: boolean } {
  const freed: Memory = { ram: 0, vram: 0 };
  let loadedTotal = q.loaded.reduce((sum, m) => sum + m.memory.ram + m.memory.vram, 0);
  const fits = () =>
    q.need.ram <= q.free.ram + freed.ram &&
    (q.free.vram === null || q.need.vram <= q.free.vram + freed.vram) &&
    (q.budget === undefined || loadedTotal + q.need.ram + q.need.vram <= q.budget);
  const idle = q.loaded.filter((m) => !m.busy).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  const victims: EvictionCandidate[] = [];
  for (const m of idle) {
    if (fits()) break;
    victims.push(m);
    freed.ram += m.memory.ram;
    freed.vram += m.memory.vram;
    loadedTotal -= m.memory.ram + m.memory.vram;
  }
  return { victims, fits: fits() };
}

/**
 * Before a load: which least recently used idle models to unload so the new one's estimated need
 * (node-llama-cpp's insights for its context × sequences; `"auto"` estimated at 32k or the
 * training context, see `estimateContextOf`) fits the free memory the host reports and the memory
 * budget. A need beyond the whole budget throws `insufficient_memory`; when only busy models stand
 * in the way, `fits` is false and the caller loads anyway (node-llama-cpp still refuses a context
 * that cannot fit in free memory). An unreadable header estimates nothing and evicts nothing.
 */
export async function planRoom(args: {
  model: LocalModel;
  options: LoadOptions;
  hardware: HostHardware;
  budget: number | undefined;
  loaded: EvictionCandidate[];
}): Promise<{ victims: EvictionCandidate[]; fits: boolean; need: Memory }> {
  const { model, options, budget } = args;
  const contextSize = estimateContextOf(options, model.contextLength);
  const fit = await estimateModelFit(model, args.hardware, {
    contextSize,
    sequences: options.sequences,
  });
  const need: Memory = { ram: fit.ramBytes, vram: fit.vramBytes };
  if (fit.fit === "unknown") return { victims: [], fits: true, need };
  if (budget !== undefined && need.ram + need.vram > budget)
    throw new EngineError(
      "insufficient_memory",
      `Cannot load ${model.id}: with context ${contextSize} × ${options.sequences} sequences it needs about ${mib(need.ram + need.vram)} MiB, more than the memory budget (${mib(budget)} MiB, engine.memoryBudgetMb). Lower the context size or the sequences, pick a smaller KV-cache type, or raise the budget.`,
    );
  const free = { ram: args.hardware.ram.free, vram: args.hardware.vram?.free ?? null };
  return { ...victimsFor({ need, free, budget, loaded: args.loaded }), need };
}

const mib = (bytes: number) => Math.ceil(bytes / 2 ** 20);
