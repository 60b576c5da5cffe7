import { getLlama, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrammarCache } from "../../src-main/engine/host/GrammarCache.js";
import { ResidentModel } from "../../src-main/engine/host/ResidentModel.js";
import { generatedModel } from "../helpers/models.js";

// The engine host's grammar cache, in this process on the real node-llama-cpp: a member sending
// schema after distinct schema grew the host without bound (+14 MB per 1,500 schemas).

let llama: Llama;
let resident: ResidentModel;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
  resident = await ResidentModel.load(
    llama,
    "tiny",
    generatedModel(),
    { contextSize: 256, sequences: 1, gpuLayers: 0, flashAttention: false, kvCacheType: "f16" },
    1,
  );
});
afterAll(async () => {
  await resident?.dispose();
  await llama?.dispose();
});

const schema = (i: number) => ({
  type: "object",
  properties: { [`field${i}`]: { type: "integer" } },
});

describe("grammar cache", () => {
  it("keeps at most 64 grammars however many distinct schemas arrive, the recently used ones", async () => {
    const first = await resident.grammarFor({ type: "json_schema", schema: schema(0) });
    const one = await resident.grammarFor({ type: "json_schema", schema: schema(1) });
    for (let i = 1; i < 200; i++) {
      await resident.grammarFor({ type: "json_schema", schema: schema(i) });
      // Schema 0 stays in use all along, so it is never the least recently used.
      expect(await resident.grammarFor({ type: "json_schema", schema: schema(0) })).toBe(first);
    }
    expect(resident.grammarsKept.count).toBe(64);
    expect(resident.grammarsKept.bytes).toBeGreaterThan(0);
    // Schema 1 was evicted long ago: asking again compiles a new grammar.
    expect(await resident.grammarFor({ type: "json_schema", schema: schema(1) })).not.toBe(one);
    expect(resident.grammarsKept.count).toBe(64);
  });

  it("evicts by bytes too, and keeps no failed creation", async () => {
    const cache = new GrammarCache<string>((g) => g.length, { entries: 100, bytes: 1000 });
    for (let i = 0; i < 10; i++) await cache.get(i, () => Promise.resolve("x".repeat(300)));
    expect([cache.size, cache.bytes]).toEqual([3, 900]);
    await expect(cache.get("bad", () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(cache.size).toBe(3);
    let made = 0;
    const make = () => Promise.resolve(String(++made));
    expect(await cache.get(9, make)).toBe("x".repeat(300));
    expect(await cache.get(0, make)).toBe("1");
  });
});
