import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src-main/engine/ModelRegistry.js";
import { estimateModelFit, ggufFileProblem } from "../../src-main/engine/modelFit.js";
import type { HostHardware } from "../../src-main/engine/protocol.js";
import { generatedModel } from "../helpers/models.js";

/** The generated tiny model as the registry describes it. */
async function tinyModel() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-fit-"));
  fs.copyFileSync(generatedModel(), path.join(dir, "tiny.gguf"));
  const [model] = await new ModelRegistry({
    modelsDir: dir,
    log: pino({ level: "silent" }),
  }).scan();
  return model!;
}

const GiB = 1024 ** 3;
const cpu = (ramTotal: number): HostHardware => ({
  gpu: false,
  supportsGpuOffloading: false,
  vramPaddingSize: 0,
  vram: null,
  ram: { total: ramTotal, free: ramTotal },
});
const cuda = (vramFree: number): HostHardware => ({
  gpu: "cuda",
  supportsGpuOffloading: true,
  vramPaddingSize: 0,
  vram: { total: 8 * GiB, used: 8 * GiB - vramFree, free: vramFree, unifiedSize: 0 },
  ram: { total: 16 * GiB, free: 16 * GiB },
});
const settings = { contextSize: 512, sequences: 4 };

describe("fit estimates (node-llama-cpp's configuration resolver)", () => {
  it("CPU only: fits in RAM, or is too large for a machine with less RAM than it needs", async () => {
    const model = await tinyModel();
    const roomy = await estimateModelFit(model, cpu(16 * GiB), settings);
    expect(roomy).toMatchObject({ fit: "cpu", gpuLayers: 0, contextTokens: 2048, vramBytes: 0 });
    expect(roomy.ramBytes).toBeGreaterThan(model.sizeBytes);
    const small = await estimateModelFit(model, cpu(roomy.ramBytes - 1), settings);
    expect(small).toEqual({ ...roomy, fit: "too_large" });
    // The context estimated for is capped by the model's training context (4096) per sequence.
    const long = await estimateModelFit(model, cpu(16 * GiB), {
      contextSize: 100_000,
      sequences: 2,
    });
    expect(long.contextTokens).toBe(8192);
  });

  it("with a GPU: every layer in VRAM when it has room, CPU when it has none", async () => {
    const model = await tinyModel();
    const gpu = await estimateModelFit(model, cuda(8 * GiB), settings);
    expect(gpu.fit).toBe("gpu");
    expect(gpu.gpuLayers).toBe(gpu.totalLayers);
    expect(gpu.vramBytes).toBeGreaterThan(0);
    const full = await estimateModelFit(model, cuda(1024), settings);
    expect(full).toMatchObject({ fit: "cpu", gpuLayers: 0, vramBytes: 0 });
  });

  it("an unreadable header is unknown; non-GGUF files are named before parsing", async () => {
    const model = await tinyModel();
    expect((await estimateModelFit({ ...model, error: "bad" }, cpu(GiB), settings)).fit).toBe(
      "unknown",
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-gguf-check-"));
    const write = (name: string, bytes: Buffer | string) => {
      fs.writeFileSync(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    expect(await ggufFileProblem(generatedModel())).toBeNull();
    expect(await ggufFileProblem(write("html", "<html>"))).toBe(
      "The file is not a GGUF model (it does not start with the GGUF magic bytes).",
    );
    expect(await ggufFileProblem(write("short", "GGUF\x03\x00"))).toBe(
      "The GGUF header is truncated.",
    );
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(1, 4);
    expect(await ggufFileProblem(write("v1", header))).toBe(
      "Unsupported GGUF version 1 (llama.cpp reads versions 2 and 3).",
    );
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(1n << 40n, 8);
    expect(await ggufFileProblem(write("counts", header))).toBe(
      "The GGUF header is corrupt (impossible tensor or metadata counts).",
    );
    const whole = fs.readFileSync(generatedModel());
    expect(await ggufFileProblem(write("cut", whole.subarray(0, whole.length - 1)))).toBe(
      `The file is truncated: its tensors need ${whole.length} bytes, it has ${whole.length - 1}.`,
    );
    expect(await ggufFileProblem(write("cut-header", whole.subarray(0, 200)))).toMatch(
      /^The (file is truncated|GGUF header cannot be read): /,
    );
    expect(await ggufFileProblem(path.join(dir, "absent"))).toMatch(/^Cannot read the file: /);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
