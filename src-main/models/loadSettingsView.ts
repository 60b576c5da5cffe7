import type {
  EffectiveLoadSettingsDto,
  ModelLoadSettingsDto,
  ModelSettingsBody,
} from "../contract/index.js";
import type { LoadedModelStatus } from "../engine/LocalEngine.js";
import type { ModelLoadSettings } from "../engine/loadSettings.js";
import type { LoadOptions } from "../engine/protocol.js";

export const settingsDto = (s: ModelLoadSettings): ModelLoadSettingsDto => ({
  context_size: s.contextSize,
  gpu_layers: s.gpuLayers,
  flash_attention: s.flashAttention,
  kv_cache_type: s.kvCacheType,
  sequences: s.sequences,
});

/** `stored` with the fields of a PATCH body applied (absent: kept; null: cleared). */
export function applyBody(stored: ModelLoadSettings, b: ModelSettingsBody): ModelLoadSettings {
  const pick = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
  return {
    contextSize: pick(b.context_size, stored.contextSize),
    gpuLayers: pick(b.gpu_layers, stored.gpuLayers),
    flashAttention: pick(b.flash_attention, stored.flashAttention),
    kvCacheType: pick(b.kv_cache_type, stored.kvCacheType),
    sequences: pick(b.sequences, stored.sequences),
  };
}

/**
 * The settings a model runs with: as node-llama-cpp resolved them when it is loaded (and not
 * awaiting a reload), else what the next load asks for — an `auto` context shown as the model's
 * training context it may grow to (`contextTokens`).
 */
export function effectiveDto(
  options: LoadOptions,
  status: LoadedModelStatus | undefined,
  contextTokens: number,
): EffectiveLoadSettingsDto {
  const info = status?.info;
  if (info && status.state === "ready")
    return {
      context_size: info.contextSize,
      context_auto: options.contextSize === "auto",
      gpu_layers: info.gpuLayers,
      flash_attention: info.flashAttention,
      kv_cache_type: info.kvCacheType,
      sequences: info.sequences,
    };
  return {
    context_size: contextTokens,
    context_auto: options.contextSize === "auto",
    gpu_layers: options.gpuLayers,
    flash_attention: options.flashAttention,
    kv_cache_type: options.kvCacheType,
    sequences: options.sequences,
  };
}
