import fs from "node:fs/promises";
import { GgufInsights, readGgufFileInfo } from "node-llama-cpp";
import type { LocalModel } from "./ModelRegistry.js";
import type { HostHardware } from "./protocol.js";

/**
 * Where a model would run on this machine with the engine's context settings:
 * `gpu` every layer in VRAM; `partial` some layers in VRAM, the rest in RAM; `cpu` no GPU (or no
 * room on it) and it fits in RAM; `too_large` it needs more than the machine's total RAM;
 * `unknown` the header cannot be read.
 */
export type FitKind = "gpu" | "partial" | "cpu" | "too_large" | "unknown";

export interface ModelFit {
  fit: FitKind;
  /** Layers node-llama-cpp would offload to the GPU, of `totalLayers`. */
  gpuLayers: number;
  totalLayers: number;
  /** Context cells the estimate is for: context size per sequence × sequences. */
  contextTokens: number;
  /** Estimated bytes of RAM and VRAM for the weights plus that context. */
  ramBytes: number;
  vramBytes: number;
}

export interface FitSettings {
  /** Context tokens per sequence (the engine's `contextSize`, capped by the training context). */
  contextSize: number;
  sequences: number;
}

interface CachedInsights {
  key: string;
  insights: Promise<GgufInsights>;
}

/** Parsed headers by model path; re-read only when the file's size or mtime changes. */
const insightsCache = new Map<string, CachedInsights>();

function insightsOf(model: LocalModel): Promise<GgufInsights> {
  const key = `${model.sizeBytes}:${model.mtimeMs}`;
  const cached = insightsCache.get(model.path);
  if (cached?.key === key) return cached.insights;
  const insights = readGgufFileInfo(model.path, { logWarnings: false }).then((info) =>
    GgufInsights.from(info),
  );
  insights.catch(() => insightsCache.delete(model.path));
  if (insightsCache.size > 500) insightsCache.clear();
  insightsCache.set(model.path, { key, insights });
  return insights;
}

/**
 * Estimates the memory a model needs with the engine's context settings, using node-llama-cpp's
 * `GgufInsightsConfigurationResolver` against `hardware` (the host's view; no weights are read).
 * The resolver offloads as many layers as fit in free VRAM; when none can, the CPU-only estimate
 * is compared with the machine's total RAM.
 */
export async function estimateModelFit(
  model: LocalModel,
  hardware: HostHardware,
  settings: FitSettings,
): Promise<ModelFit> {
  const perSequence = Math.min(settings.contextSize, model.contextLength ?? settings.contextSize);
  const contextTokens = perSequence * settings.sequences;
  const unknown: ModelFit = {
    fit: "unknown",
    gpuLayers: 0,
    totalLayers: 0,
    contextTokens,
    ramBytes: 0,
    vramBytes: 0,
  };
  if (model.error) return unknown;
  let insights: GgufInsights;
  try {
    insights = await insightsOf(model);
  } catch {
    return unknown;
  }
  const vram = hardware.vram ?? { total: 0, used: 0, free: 0, unifiedSize: 0 };
  const hasGpu = hardware.gpu !== false && hardware.supportsGpuOffloading && vram.total > 0;
  const overrides = {
    getVramState: async () => ({
      total: hasGpu ? vram.total : 0,
      free: hasGpu ? vram.free : 0,
      unifiedSize: vram.unifiedSize,
    }),
    getRamState: async () => hardware.ram,
    getSwapState: async () => ({ total: 0, free: 0 }),
    llamaVramPaddingSize: hardware.vramPaddingSize,
    llamaGpu: hasGpu ? (hardware.gpu as "cuda" | "vulkan" | "metal") : (false as const),
    llamaSupportsGpuOffloading: hasGpu,
  };
  const resolve = (targetGpuLayers?: number) =>
    insights.configurationResolver.resolveAndScoreConfig(
      { targetContextSize: contextTokens, targetGpuLayers },
      overrides,
    );
  const totalLayers = insights.totalLayers;
  let resolved = (await resolve()).resolvedValues;
  // When the weights do not fit in free VRAM the resolver still names every layer but puts no
  // bytes in VRAM (measured with node-llama-cpp 3.22): what would load then is CPU only.
  const onGpu =
    hasGpu &&
    resolved.gpuLayers > 0 &&
    resolved.totalVramUsage > 0 &&
    resolved.totalVramUsage <= vram.free;
  if (!onGpu) {
    if (hasGpu) resolved = (await resolve(0)).resolvedValues;
    const ramBytes = resolved.totalRamUsage;
    return {
      fit: ramBytes <= hardware.ram.total ? "cpu" : "too_large",
      gpuLayers: 0,
      totalLayers,
      contextTokens,
      ramBytes,
      vramBytes: 0,
    };
  }
  return {
    fit: resolved.gpuLayers >= totalLayers ? "gpu" : "partial",
    gpuLayers: resolved.gpuLayers,
    totalLayers,
    contextTokens,
    ramBytes: resolved.totalRamUsage,
    vramBytes: resolved.totalVramUsage,
  };
}

/** Bounds far above real models (a large MoE has tens of thousands of tensors). */
const MAX_TENSORS = 1_000_000n;
const MAX_METADATA_KEYS = 100_000n;

/** Why a file is not a usable GGUF model, or `null` when its magic and header read fine. */
export async function ggufFileProblem(path: string): Promise<string | null> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, "r");
    const head = Buffer.alloc(24);
    const { bytesRead } = await handle.read(head, 0, 24, 0);
    if (bytesRead < 4 || head.toString("latin1", 0, 4) !== "GGUF")
      return "The file is not a GGUF model (it does not start with the GGUF magic bytes).";
    // Checked before node-llama-cpp parses the header: garbage counts make it read for seconds.
    if (bytesRead < 24) return "The GGUF header is truncated.";
    const version = head.readUInt32LE(4);
    if (version !== 2 && version !== 3)
      return `Unsupported GGUF version ${version} (llama.cpp reads versions 2 and 3).`;
    if (head.readBigUInt64LE(8) > MAX_TENSORS || head.readBigUInt64LE(16) > MAX_METADATA_KEYS)
      return "The GGUF header is corrupt (impossible tensor or metadata counts).";
  } catch (err) {
    return `Cannot read the file: ${(err as Error).message}`;
  } finally {
    await handle?.close();
  }
  try {
    // Reads the header and tensor table only; a corrupt header throws here. This file alone:
    // a split model's other parts are not the caller's to check.
    const info = await readGgufFileInfo(path, { logWarnings: false, spliceSplitFiles: false });
    const tensors = info.tensorInfo ?? [];
    if (tensors.length === 0) return null;
    // The tensor data (alignment included) ends exactly at the end of a whole file.
    const dataStart = Math.min(...tensors.map((t) => Number(t.fileOffset)));
    const needed = dataStart + (await GgufInsights.from(info)).modelSize;
    const { size } = await fs.stat(path);
    return size < needed
      ? `The file is truncated: its tensors need ${needed} bytes, it has ${size}.`
      : null;
  } catch (err) {
    return `The GGUF header cannot be read: ${(err as Error).message}`;
  }
}
