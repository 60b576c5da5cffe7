import { describe, expect, it } from "vitest";
import { victimsFor, type EvictionCandidate } from "../../src-main/engine/memoryBudget.js";

const MiB = 2 ** 20;
const m = (id: string, ramMb: number, lastUsedMs: number, busy = false): EvictionCandidate => ({
  id,
  memory: { ram: ramMb * MiB, vram: 0 },
  lastUsedMs,
  busy,
});

/** Which idle models are unloaded, least recently used first, so a new one fits. */
describe("victimsFor", () => {
  const loaded = [m("b", 300, 2), m("a", 200, 1), m("c", 100, 3)];

  it("evicts nothing when free memory and the budget already hold the new model", () => {
    const r = victimsFor({
      need: { ram: 100 * MiB, vram: 0 },
      free: { ram: 1000 * MiB, vram: null },
      budget: 800 * MiB,
      loaded,
    });
    expect(r).toEqual({ victims: [], fits: true });
  });

  it("evicts least recently used idle models until the budget holds the new one", () => {
    const r = victimsFor({
      need: { ram: 300 * MiB, vram: 0 },
      free: { ram: 10_000 * MiB, vram: null },
      budget: 700 * MiB,
      loaded,
    });
    // 600 loaded + 300 > 700: evicting a (200, oldest) leaves 400 + 300 = 700.
    expect(r.victims.map((v) => v.id)).toEqual(["a"]);
    expect(r.fits).toBe(true);
  });

  it("without a budget, free RAM decides", () => {
    const r = victimsFor({
      need: { ram: 550 * MiB, vram: 0 },
      free: { ram: 100 * MiB, vram: null },
      loaded,
    });
    expect(r.victims.map((v) => v.id)).toEqual(["a", "b"]);
    expect(r.fits).toBe(true);
  });

  it("never evicts busy models, and says when the new one still does not fit", () => {
    const r = victimsFor({
      need: { ram: 500 * MiB, vram: 0 },
      free: { ram: 0, vram: null },
      loaded: [m("busy", 1000, 0, true), m("idle", 100, 5)],
    });
    expect(r.victims.map((v) => v.id)).toEqual(["idle"]);
    expect(r.fits).toBe(false);
  });

  it("counts VRAM only where there is a GPU", () => {
    const gpu = [{ ...m("x", 10, 1), memory: { ram: 10 * MiB, vram: 4000 * MiB } }, m("y", 10, 2)];
    const r = victimsFor({
      need: { ram: 10 * MiB, vram: 3000 * MiB },
      free: { ram: 10_000 * MiB, vram: 1000 * MiB },
      loaded: gpu,
    });
    expect(r.victims.map((v) => v.id)).toEqual(["x"]);
    expect(r.fits).toBe(true);
  });
});
