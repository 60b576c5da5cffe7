import { z } from "zod";

const Count = z.number().int().nonnegative();

/**
 * KV-cache types llama.cpp can store its cache in (`--cache-type-k/-v`), as lower-case names.
 * node-llama-cpp 3.22 takes them as `GgmlType` keys (`experimentalKvCacheKeyType: "Q8_0"`); these
 * are the ones llama.cpp's KV cache accepts. Quantized types need flash attention for the V cache
 * and a head size divisible by their block size (32), or context creation fails.
 */
export const KV_CACHE_TYPES = [
  "f32",
  "f16",
  "bf16",
  "q8_0",
  "q5_1",
  "q5_0",
  "q4_1",
  "q4_0",
  "iq4_nl",
] as const;

/** KV-cache types llama.cpp accepts; quantized ones need flash attention (not `false`). */
export const KvCacheTypeDto = z.enum(KV_CACHE_TYPES);
export type KvCacheTypeDto = z.infer<typeof KvCacheTypeDto>;

/** Largest context per sequence accepted: llama.cpp counts cells in 32 bits (× sequences). */
export const MAX_CONTEXT_SIZE = 1 << 24;

/**
 * One model's stored load settings; `null` = not set: context and GPU layers `auto` (fitted to
 * this machine by node-llama-cpp), flash attention `auto`, KV cache `f16`, sequences the engine's.
 */
export const ModelLoadSettingsDto = z.object({
  /** Context tokens per sequence; null = the largest that fits, up to the training context. */
  context_size: z.number().int().min(64).max(MAX_CONTEXT_SIZE).nullable(),
  /** Layers offloaded to the GPU, `"max"` for all; null = what fits. Ignored without a GPU. */
  gpu_layers: z.union([z.number().int().min(0).max(10_000), z.literal("max")]).nullable(),
  flash_attention: z.boolean().nullable(),
  kv_cache_type: KvCacheTypeDto.nullable(),
  /** Parallel sequences (requests batched together); null = `engine.sequences`. */
  sequences: z.number().int().min(1).max(64).nullable(),
});
export type ModelLoadSettingsDto = z.infer<typeof ModelLoadSettingsDto>;

/**
 * `PATCH /manage/v1/models/{id}/settings`: the fields given replace the stored ones (null clears a
 * setting back to auto / the default); fields left out keep their value.
 */
export const ModelSettingsBody = z
  .strictObject(ModelLoadSettingsDto.partial().shape)
  .refine(
    (b) =>
      !(
        b.flash_attention === false &&
        b.kv_cache_type &&
        !["f32", "f16", "bf16"].includes(b.kv_cache_type)
      ),
    {
      message:
        "a quantized 'kv_cache_type' needs flash attention: set 'flash_attention' to true or null",
      path: ["kv_cache_type"],
    },
  );
export type ModelSettingsBody = z.infer<typeof ModelSettingsBody>;

/**
 * What the model is loaded with now (when loaded: as node-llama-cpp resolved it), or will be at
 * its next load: stored settings over the engine defaults. `context_size` of a model not loaded
 * with auto context is the training context it may grow to (what reservations are sized for).
 */
export const EffectiveLoadSettingsDto = z.object({
  context_size: Count,
  /** True while the context is `auto` (resolved at load against free memory). */
  context_auto: z.boolean(),
  gpu_layers: z.union([Count, z.literal("max"), z.literal("auto")]),
  flash_attention: z.union([z.boolean(), z.literal("auto")]),
  kv_cache_type: KvCacheTypeDto,
  sequences: Count,
});
export type EffectiveLoadSettingsDto = z.infer<typeof EffectiveLoadSettingsDto>;

/** `reload`: what the change did to a loaded model (see the PATCH route). */
export const ModelReloadState = z.enum(["reloaded", "pending", "not_loaded"]);
export type ModelReloadState = z.infer<typeof ModelReloadState>;
