import { ModelSettingsBody, type LocalModelDto, type ModelLoadSettingsDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  effectiveContextText,
  formToBody,
  MAX_GPU_LAYERS,
  MAX_SEQUENCES,
  MIN_CONTEXT_SIZE,
  parseWhole,
  reloadText,
  settingsToForm,
  type LoadSettingsFormValues,
} from "../../../src-renderer/lib/loadSettingsForm";

const AUTO: ModelLoadSettingsDto = {
  context_size: null,
  gpu_layers: null,
  flash_attention: null,
  kv_cache_type: null,
  sequences: null,
};
const trained4k = { context_length: 4096 };

const form = (patch: Partial<LoadSettingsFormValues>): LoadSettingsFormValues => ({
  ...settingsToForm(AUTO),
  ...patch,
});

describe("the load settings form", () => {
  it("round-trips stored settings: null is Auto, a value is Set", () => {
    expect(formToBody(settingsToForm(AUTO), trained4k)).toEqual({ ok: true, body: AUTO });
    const set: ModelLoadSettingsDto = {
      context_size: 1024,
      gpu_layers: "max",
      flash_attention: false,
      kv_cache_type: "bf16",
      sequences: 2,
    };
    expect(formToBody(settingsToForm(set), trained4k)).toEqual({ ok: true, body: set });
    expect(settingsToForm({ ...set, gpu_layers: 0, flash_attention: true })).toMatchObject({
      gpuLayers: { mode: "set", value: "0" },
      flashAttention: "on",
    });
  });

  it("reads grouped numbers and refuses what the server refuses, naming its limits", () => {
    expect(parseWhole("32,768", 64, 131072)).toEqual({ ok: true, value: 32768 });
    expect(parseWhole(" 32 768 ", 64, 131072)).toEqual({ ok: true, value: 32768 });
    expect(parseWhole("0064", 64, 4096)).toEqual({ ok: true, value: 64 });
    for (const bad of ["1e3", "12.5", "-5", "0x40", "3,27", "", "99999999999999999999"])
      expect(parseWhole(bad, 64, 4096).ok, bad).toBe(false);
    expect(parseWhole("63", 64, 4096)).toEqual({ ok: false, error: "Between 64 and 4,096." });

    const body = (p: Partial<LoadSettingsFormValues>) => formToBody(form(p), trained4k);
    expect(body({ context: { auto: false, value: "4097" } })).toEqual({
      ok: false,
      errors: { context: "Between 64 and 4,096, the context the model was trained with." },
    });
    expect(body({ context: { auto: false, value: "4,096" } })).toMatchObject({
      ok: true,
      body: { context_size: 4096 },
    });
    expect(body({ sequences: { auto: false, value: "65" } })).toEqual({
      ok: false,
      errors: { sequences: "Between 1 and 64." },
    });
    expect(body({ gpuLayers: { mode: "set", value: "10001" } })).toEqual({
      ok: false,
      errors: { gpuLayers: "Between 0 and 10,000." },
    });
    expect(body({ gpuLayers: { mode: "set", value: "0" } })).toMatchObject({
      ok: true,
      body: { gpu_layers: 0 },
    });
    // An Auto field ignores what was typed before it was switched back.
    expect(body({ sequences: { auto: true, value: "junk" } })).toMatchObject({
      ok: true,
      body: { sequences: null },
    });
    // A model whose header has no training context is held to llama.cpp's 2^24 only.
    expect(
      formToBody(form({ context: { auto: false, value: "16,777,217" } }), { context_length: null }),
    ).toEqual({ ok: false, errors: { context: "Between 64 and 16,777,216." } });
  });

  it("a quantized KV cache needs flash attention On or Auto, as the server's refine says", () => {
    const off = formToBody(form({ kvCacheType: "q8_0", flashAttention: "off" }), trained4k);
    expect(off).toMatchObject({
      ok: false,
      errors: { kvCacheType: expect.stringMatching(/q8_0/) },
    });
    expect(
      ModelSettingsBody.safeParse({ kv_cache_type: "q8_0", flash_attention: false }).success,
    ).toBe(false);
    for (const flashAttention of ["on", "auto"] as const)
      expect(formToBody(form({ kvCacheType: "q4_0", flashAttention }), trained4k).ok).toBe(true);
    expect(formToBody(form({ kvCacheType: "bf16", flashAttention: "off" }), trained4k).ok).toBe(
      true,
    );
  });

  it("uses the contract's bounds: the ends pass its schema, one beyond fails it", () => {
    const ok = (b: object) => ModelSettingsBody.safeParse(b).success;
    expect([MIN_CONTEXT_SIZE, MAX_SEQUENCES, MAX_GPU_LAYERS]).toEqual([64, 64, 10_000]);
    expect(ok({ context_size: MIN_CONTEXT_SIZE })).toBe(true);
    expect(ok({ context_size: MIN_CONTEXT_SIZE - 1 })).toBe(false);
    expect(ok({ sequences: MAX_SEQUENCES, gpu_layers: MAX_GPU_LAYERS })).toBe(true);
    expect(ok({ sequences: MAX_SEQUENCES + 1 })).toBe(false);
    expect(ok({ sequences: 0 })).toBe(false);
    expect(ok({ gpu_layers: MAX_GPU_LAYERS + 1 })).toBe(false);
    // Every body the form builds is one the server's schema takes.
    const built = formToBody(
      form({
        context: { auto: false, value: "64" },
        sequences: { auto: false, value: "64" },
        gpuLayers: { mode: "set", value: "10,000" },
        kvCacheType: "iq4_nl",
        flashAttention: "on",
      }),
      trained4k,
    );
    expect(built.ok && ModelSettingsBody.parse(built.body)).toEqual({
      context_size: 64,
      sequences: 64,
      gpu_layers: 10_000,
      kv_cache_type: "iq4_nl",
      flash_attention: true,
    });
  });
});

describe("load settings texts", () => {
  const effective = (p: Partial<LocalModelDto["effective"]>): LocalModelDto["effective"] => ({
    context_size: 32768,
    context_auto: false,
    gpu_layers: "auto",
    flash_attention: "auto",
    kv_cache_type: "f16",
    sequences: 4,
    ...p,
  });

  it("shows a context as it runs: set, auto once loaded, or auto up to the training context", () => {
    expect(effectiveContextText({ effective: effective({}), state: "loaded" })).toBe("32,768");
    expect(
      effectiveContextText({ effective: effective({ context_auto: true }), state: "loaded" }),
    ).toBe("32,768 (auto)");
    expect(
      effectiveContextText({
        effective: effective({ context_auto: true, context_size: 131072 }),
        state: "not_loaded",
      }),
    ).toBe("auto, up to 131,072");
  });

  it("says what a save did", () => {
    const m = { effective: effective({ sequences: 1 }) };
    expect(reloadText("reloaded", m)).toBe("Reloaded with a 32,768-token context and 1 sequence.");
    expect(reloadText("pending", m)).toMatch(/^Saved\. Applies when its requests finish/);
    expect(reloadText("not_loaded", m)).toBe("Saved. Applies at next load.");
  });
});
