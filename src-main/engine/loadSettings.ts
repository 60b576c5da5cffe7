import { KV_CACHE_TYPES } from "../contract/manage/modelSettings.js";
import type { LoadOptions } from "./protocol.js";

export { KV_CACHE_TYPES };
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/**
 * One model's stored load settings; `null` is "not set": context and GPU layers are then resolved
 * by node-llama-cpp for this machine ("auto"), flash attention is node-llama-cpp's "auto", the KV
 * cache is F16, and sequences are the engine's default (`engine.sequences`).
 */
export interface ModelLoadSettings {
  /** Context tokens per sequence. */
  contextSize: number | null;
  /** Layers offloaded to the GPU, or `"max"` for all of them. */
  gpuLayers: number | "max" | null;
  flashAttention: boolean | null;
  kvCacheType: KvCacheType | null;
  sequences: number | null;
}

export const NO_LOAD_SETTINGS: ModelLoadSettings = {
  contextSize: null,
  gpuLayers: null,
  flashAttention: null,
  kvCacheType: null,
  sequences: null,
};

/** The engine-wide defaults a model's unset settings fall back to (from `engine.*` config). */
export interface LoadDefaults {
  /** Context per sequence for models without their own; `"auto"` fits the machine. */
  contextSize: number | "auto";
  sequences: number;
}

/**
 * What a model is loaded with: its own settings where set, the engine's defaults otherwise. An
 * explicit context above the training context is capped to it (positions beyond it are
 * meaningless); `"auto"` is resolved in the engine host against free memory.
 */
export function loadOptionsFor(
  settings: ModelLoadSettings,
  defaults: LoadDefaults,
  trainContextSize: number | null,
): LoadOptions {
  const context = settings.contextSize ?? defaults.contextSize;
  return {
    contextSize:
      context === "auto" || trainContextSize === null
        ? context
        : Math.min(context, trainContextSize),
    sequences: settings.sequences ?? defaults.sequences,
    gpuLayers: settings.gpuLayers ?? "auto",
    flashAttention: settings.flashAttention ?? "auto",
    kvCacheType: settings.kvCacheType ?? "f16",
  };
}

/**
 * The context `"auto"` prefers to leave room for when estimating a model that is not loaded yet:
 * coding agents send 15–30k-token prompts, so 32k (or the training context when smaller).
 */
export const PREFERRED_AUTO_CONTEXT = 32_768;

/** Context per sequence to estimate memory for: explicit, or what `"auto"` aims for at least. */
export function estimateContextOf(options: LoadOptions, trainContextSize: number | null): number {
  if (options.contextSize !== "auto") return options.contextSize;
  return Math.min(PREFERRED_AUTO_CONTEXT, trainContextSize ?? PREFERRED_AUTO_CONTEXT);
}
