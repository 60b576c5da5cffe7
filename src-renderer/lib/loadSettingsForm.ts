import {
  KV_CACHE_TYPES,
  MAX_CONTEXT_SIZE,
  type KvCacheTypeDto,
  type LocalModelDto,
  type ModelLoadSettingsDto,
  type ModelReloadState,
  type ModelSettingsBody,
} from "@contract";

/**
 * A model's load settings dialog as plain data, and its conversion to and from the API. Each field
 * is either "auto" (null in the API: the engine fits it to this machine, or uses its default) or a
 * value a person chose. The limits are the contract's (src-main/contract/manage/modelSettings.ts),
 * so the form refuses what the server would; the server checks everything again.
 */

/** `context_size`: 64 … the training context (and never above llama.cpp's 2^24 cells). */
export const MIN_CONTEXT_SIZE = 64;
/** `gpu_layers`: 0 … 10,000, or "max". */
export const MAX_GPU_LAYERS = 10_000;
/** `sequences`: 1 … 64. */
export const MAX_SEQUENCES = 64;

/** KV-cache types that need flash attention (not `false`): the quantized ones. */
const FULL_PRECISION_KV: readonly KvCacheTypeDto[] = ["f32", "f16", "bf16"];
export const needsFlashAttention = (t: KvCacheTypeDto) => !FULL_PRECISION_KV.includes(t);

export { KV_CACHE_TYPES };

export interface LoadSettingsFormValues {
  context: { auto: boolean; value: string };
  /** `auto`: what fits free VRAM; `max`: every layer; `set`: a layer count. */
  gpuLayers: { mode: "auto" | "max" | "set"; value: string };
  flashAttention: "auto" | "on" | "off";
  /** `auto`: the default (f16). */
  kvCacheType: "auto" | KvCacheTypeDto;
  sequences: { auto: boolean; value: string };
}

export type LoadSettingsField = "context" | "gpuLayers" | "kvCacheType" | "sequences";
export type LoadSettingsErrors = Partial<Record<LoadSettingsField, string>>;

const fmt = (n: number) => n.toLocaleString("en-US");

/** The form showing what is stored (an unset field is "auto", its text box empty). */
export function settingsToForm(s: ModelLoadSettingsDto): LoadSettingsFormValues {
  return {
    context: { auto: s.context_size === null, value: s.context_size?.toString() ?? "" },
    gpuLayers:
      s.gpu_layers === null
        ? { mode: "auto", value: "" }
        : s.gpu_layers === "max"
          ? { mode: "max", value: "" }
          : { mode: "set", value: String(s.gpu_layers) },
    flashAttention: s.flash_attention === null ? "auto" : s.flash_attention ? "on" : "off",
    kvCacheType: s.kv_cache_type ?? "auto",
    sequences: { auto: s.sequences === null, value: s.sequences?.toString() ?? "" },
  };
}

export type WholeParse = { ok: true; value: number } | { ok: false; error: string };

/**
 * A whole number typed by a person, `min`…`max`: digits, optionally grouped (`32,768` or
 * `32 768`). Refuses signs, decimals and exponents, which `Number()` would take.
 */
export function parseWhole(input: string, min: number, max: number, why = ""): WholeParse {
  const text = input.trim();
  const range = `Between ${fmt(min)} and ${fmt(max)}${why}.`;
  if (!text) return { ok: false, error: `Enter a number. ${range}` };
  if (!/^(\d{1,3}([, ]\d{3})+|\d+)$/.test(text))
    return { ok: false, error: `Enter a whole number. ${range}` };
  const digits = text.replace(/[, ]/g, "").replace(/^0+(?=\d)/, "");
  // Compared as text first: a 20-digit string must not round to something in range.
  if (digits.length > String(max).length || Number(digits) > max || Number(digits) < min)
    return { ok: false, error: range };
  return { ok: true, value: Number(digits) };
}

/** The largest context the server accepts for this model: its training context, at most 2^24. */
export function maxContextOf(model: Pick<LocalModelDto, "context_length">): number {
  return Math.min(model.context_length ?? MAX_CONTEXT_SIZE, MAX_CONTEXT_SIZE);
}

export type LoadSettingsParse =
  { ok: true; body: Required<ModelSettingsBody> } | { ok: false; errors: LoadSettingsErrors };

/**
 * The PATCH body for the whole form (every field: null for "auto"), or what is wrong with it, in
 * the server's terms: context 64 … the training context, GPU layers 0 … 10,000, sequences 1 … 64,
 * and a quantized KV cache only with flash attention on or auto.
 */
export function formToBody(
  v: LoadSettingsFormValues,
  model: Pick<LocalModelDto, "context_length">,
): LoadSettingsParse {
  const errors: LoadSettingsErrors = {};
  let context_size: number | null = null;
  if (!v.context.auto) {
    const max = maxContextOf(model);
    const why = model.context_length !== null ? ", the context the model was trained with" : "";
    const p = parseWhole(v.context.value, MIN_CONTEXT_SIZE, max, why);
    if (p.ok) context_size = p.value;
    else errors.context = p.error;
  }
  let gpu_layers: number | "max" | null = v.gpuLayers.mode === "max" ? "max" : null;
  if (v.gpuLayers.mode === "set") {
    const p = parseWhole(v.gpuLayers.value, 0, MAX_GPU_LAYERS);
    if (p.ok) gpu_layers = p.value;
    else errors.gpuLayers = p.error;
  }
  let sequences: number | null = null;
  if (!v.sequences.auto) {
    const p = parseWhole(v.sequences.value, 1, MAX_SEQUENCES);
    if (p.ok) sequences = p.value;
    else errors.sequences = p.error;
  }
  const kv_cache_type = v.kvCacheType === "auto" ? null : v.kvCacheType;
  if (kv_cache_type && needsFlashAttention(kv_cache_type) && v.flashAttention === "off")
    errors.kvCacheType = `A quantized KV cache (${kv_cache_type}) needs flash attention: set it to On or Auto.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      context_size,
      gpu_layers,
      flash_attention: v.flashAttention === "auto" ? null : v.flashAttention === "on",
      kv_cache_type,
      sequences,
    },
  };
}

/** "4,096", "auto, up to 4,096" (not loaded yet) or "4,096 (auto)": a model's context as it runs. */
export function effectiveContextText(m: Pick<LocalModelDto, "effective" | "state">): string {
  const { context_size, context_auto } = m.effective;
  if (!context_auto) return fmt(context_size);
  return m.state === "loaded" ? `${fmt(context_size)} (auto)` : `auto, up to ${fmt(context_size)}`;
}

const plural = (n: number, one: string) => `${fmt(n)} ${one}${n === 1 ? "" : "s"}`;

/** What a saved change did, for the person who saved it. */
export function reloadText(reload: ModelReloadState, m: Pick<LocalModelDto, "effective">): string {
  if (reload === "reloaded")
    return `Reloaded with a ${fmt(m.effective.context_size)}-token context and ${plural(m.effective.sequences, "sequence")}.`;
  if (reload === "pending")
    return "Saved. Applies when its requests finish: it reloads as soon as nothing is generating on it.";
  return "Saved. Applies at next load.";
}
