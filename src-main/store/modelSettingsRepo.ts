import type { KvCacheType, ModelLoadSettings } from "../engine/loadSettings.js";
import type { Db } from "./db.js";

interface RawRow {
  model_id: string;
  context_size: number | null;
  gpu_layers: string | null;
  flash_attention: number | null;
  kv_cache_type: string | null;
  sequences: number | null;
  updated_ms: number;
}

const fromRaw = (r: RawRow): ModelLoadSettings => ({
  contextSize: r.context_size,
  gpuLayers: r.gpu_layers === null ? null : r.gpu_layers === "max" ? "max" : Number(r.gpu_layers),
  flashAttention: r.flash_attention === null ? null : r.flash_attention === 1,
  kvCacheType: r.kv_cache_type as KvCacheType | null,
  sequences: r.sequences,
});

/**
 * The `model_settings` table: each model's load settings, by model id. Read on every load and
 * every reservation sizing (`contextTokens`), so rows are cached; writes go through `set`.
 */
export class ModelSettingsRepo {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly cache = new Map<string, ModelLoadSettings | null>();

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string], RawRow>("SELECT * FROM model_settings WHERE model_id = ?");
    this.upsertStmt = db.prepare(
      `INSERT INTO model_settings (model_id, context_size, gpu_layers, flash_attention,
         kv_cache_type, sequences, updated_ms)
       VALUES (@modelId, @contextSize, @gpuLayers, @flashAttention, @kvCacheType, @sequences, @now)
       ON CONFLICT(model_id) DO UPDATE SET context_size = excluded.context_size,
         gpu_layers = excluded.gpu_layers, flash_attention = excluded.flash_attention,
         kv_cache_type = excluded.kv_cache_type, sequences = excluded.sequences,
         updated_ms = excluded.updated_ms`,
    );
  }

  /** The model's stored settings, or `null` when none were ever stored. */
  get(modelId: string): ModelLoadSettings | null {
    if (!this.cache.has(modelId)) {
      const row = this.getStmt.get(modelId);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(modelId, row ? fromRaw(row) : null);
    }
    return this.cache.get(modelId)!;
  }

  set(modelId: string, s: ModelLoadSettings): ModelLoadSettings {
    this.upsertStmt.run({
      modelId,
      contextSize: s.contextSize,
      gpuLayers: s.gpuLayers === null ? null : String(s.gpuLayers),
      flashAttention: s.flashAttention === null ? null : s.flashAttention ? 1 : 0,
      kvCacheType: s.kvCacheType,
      sequences: s.sequences,
      now: this.now(),
    });
    this.cache.set(modelId, { ...s });
    return s;
  }
}
