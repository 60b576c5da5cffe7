import { z } from "zod";
import { ListOf, TimeMs } from "./common.js";
import {
  EffectiveLoadSettingsDto,
  ModelLoadSettingsDto,
  ModelReloadState,
} from "./modelSettings.js";

const Bytes = z.number().int().nonnegative();
const Count = z.number().int().nonnegative();

/**
 * Ids of model files Benchtop writes (downloads, imports): a letter or digit, then letters,
 * digits, `.`, `_`, `+`, `-`; at most 200 characters; never `..`. The file is `<id>.gguf` directly
 * in the models folder, so an id cannot reach another folder.
 */
export const NEW_MODEL_ID = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
export const NewModelId = z
  .string()
  .regex(
    NEW_MODEL_ID,
    "must start with a letter or digit and contain only letters, digits, '.', '_', '+', '-' (no '..', at most 200)",
  );

/**
 * Where a model would run here with the engine's context settings (node-llama-cpp's estimate):
 * `gpu` all layers in VRAM, `partial` some layers in VRAM and the rest in RAM, `cpu` in RAM,
 * `too_large` more than this machine's RAM, `unknown` the header cannot be read.
 */
export const ModelFitKind = z.enum(["gpu", "partial", "cpu", "too_large", "unknown"]);
export type ModelFitKind = z.infer<typeof ModelFitKind>;

export const ModelFitDto = z.object({
  kind: ModelFitKind,
  gpu_layers: Count,
  total_layers: Count,
  /** Context cells estimated for: context size per sequence × sequences. */
  context_tokens: Count,
  ram_bytes: Bytes,
  vram_bytes: Bytes,
});
export type ModelFitDto = z.infer<typeof ModelFitDto>;

export const LocalModelState = z.enum(["not_loaded", "loading", "loaded"]);
export type LocalModelState = z.infer<typeof LocalModelState>;

/** One GGUF model in the models folder, described from its header. */
export const LocalModelDto = z.object({
  id: z.string(),
  /** Path below the models folder, e.g. `lab/qwen.gguf` (the first part of a split model). */
  file: z.string(),
  /** Bytes on disk (all parts of a split model). */
  size_bytes: Bytes,
  modified_ms: TimeMs,
  architecture: z.string().nullable(),
  parameters: Count.nullable(),
  /** Dominant quantization (`general.file_type`), e.g. `Q4_K_M`. */
  quantization: z.string().nullable(),
  /** Context length the model was trained with. */
  context_length: Count.nullable(),
  embedding_length: Count.nullable(),
  has_chat_template: z.boolean(),
  /** Why the header cannot be read; such a model is listed but cannot be served. */
  error: z.string().nullable(),
  state: LocalModelState,
  /** Bytes the loaded model and its context occupy; null when not loaded. */
  memory: z.object({ ram_bytes: Bytes, vram_bytes: Bytes }).nullable(),
  /** Requests generating on it now. */
  in_flight: Count,
  /** The estimate is for the effective settings below (auto context: 32k or the training context). */
  fit: ModelFitDto,
  /** Load settings stored for this model (null fields: auto / the engine default). */
  settings: ModelLoadSettingsDto,
  /** What it is loaded with, or will be at its next load. */
  effective: EffectiveLoadSettingsDto,
});
export type LocalModelDto = z.infer<typeof LocalModelDto>;

/** This machine's memory, for the Models page's bar. */
export const MachineMemoryDto = z.object({
  ram: z.object({ total_bytes: Bytes, free_bytes: Bytes }),
  /** `null` without a GPU (or when the engine could not tell). */
  vram: z.object({ total_bytes: Bytes, used_bytes: Bytes, free_bytes: Bytes }).nullable(),
  /** The GPU backend in use (`cuda`, `vulkan`, `metal`), or null for CPU only. */
  gpu: z.string().nullable(),
  /** False when the engine host did not answer, so GPU facts are unknown. */
  gpu_known: z.boolean(),
  /** Bytes the loaded models occupy, summed. */
  loaded_ram_bytes: Bytes,
  loaded_vram_bytes: Bytes,
});
export type MachineMemoryDto = z.infer<typeof MachineMemoryDto>;

/** `GET /manage/v1/models`. */
export const LocalModelListDto = z.object({
  object: z.literal("list"),
  data: z.array(LocalModelDto),
  machine: MachineMemoryDto,
  /** The engine defaults for models without their own settings, and its residency limits. */
  engine: z.object({
    /** `auto`: the largest context that fits, up to each model's training context. */
    context_size: z.union([Count, z.literal("auto")]),
    sequences: Count,
    max_loaded_models: Count,
    /** Bytes all loaded models may occupy (RAM + VRAM); null = what the machine has free. */
    memory_budget_bytes: Count.nullable(),
  }),
});
export type LocalModelListDto = z.infer<typeof LocalModelListDto>;

/** `DELETE /manage/v1/models/{id}`. */
export const DeletedModelDto = z.object({
  id: z.string(),
  deleted: z.literal(true),
  /** Files removed, relative to the models folder. */
  files: z.array(z.string()),
  freed_bytes: Bytes,
});
export type DeletedModelDto = z.infer<typeof DeletedModelDto>;

/**
 * `POST /manage/v1/models/import`: copies a GGUF file that is already on the server's machine
 * into the models folder. `id` defaults to the file name without `.gguf`.
 */
export const ImportModelBody = z.strictObject({
  /** Absolute path on the machine running Benchtop. */
  path: z.string().min(1).max(4096),
  id: NewModelId.optional(),
});
export type ImportModelBody = z.infer<typeof ImportModelBody>;

/** One recommended model of `resources/catalog/models.json`. */
export const CatalogModelDto = z.object({
  /** The id the model gets when downloaded. */
  id: NewModelId,
  name: z.string(),
  description: z.string(),
  kind: z.enum(["chat", "embedding"]),
  url: z.url({ protocol: /^https$/ }),
  /** Approximate file size as listed by the publisher. */
  size_bytes: Bytes,
  quantization: z.string(),
  parameters: Count,
  context_length: Count,
  license: z.string(),
  /** Whether a model with this id is in the models folder now. */
  installed: z.boolean(),
});
export type CatalogModelDto = z.infer<typeof CatalogModelDto>;

export const CatalogModelListDto = ListOf(CatalogModelDto);
export type CatalogModelListDto = z.infer<typeof CatalogModelListDto>;

/**
 * `queued` waits for a slot (2 at once by default), `paused` was interrupted by a restart (its
 * `.part` file is kept), `cancelled` was stopped by an admin (its `.part` file is kept until the
 * download is deleted, so it can be resumed).
 */
export const DownloadState = z.enum([
  "queued",
  "downloading",
  "paused",
  "completed",
  "failed",
  "cancelled",
]);
export type DownloadState = z.infer<typeof DownloadState>;

export const DownloadDto = z.object({
  id: z.string(),
  url: z.string(),
  /** The model id (and file `<model_id>.gguf`) it becomes when complete. */
  model_id: z.string(),
  state: DownloadState,
  bytes_done: Bytes,
  /** Null until the server says (some never do). */
  bytes_total: Bytes.nullable(),
  /** Bytes per second over the last 5 seconds; 0 when not downloading. */
  speed_bps: Bytes,
  /** Seconds left at that speed; null when unknown. */
  eta_s: Count.nullable(),
  error: z.string().nullable(),
  created_ms: TimeMs,
  updated_ms: TimeMs,
  finished_ms: TimeMs.nullable(),
});
export type DownloadDto = z.infer<typeof DownloadDto>;

export const DownloadListDto = ListOf(DownloadDto);
export type DownloadListDto = z.infer<typeof DownloadListDto>;

/**
 * `POST /manage/v1/models/downloads`: an https URL of a `.gguf` file (plain http only to this
 * machine). `id` defaults to the URL's file name without `.gguf`.
 */
export const CreateDownloadBody = z.strictObject({
  url: z.string().min(1).max(4000),
  id: NewModelId.optional(),
});
export type CreateDownloadBody = z.infer<typeof CreateDownloadBody>;

export const DeletedDownloadDto = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedDownloadDto = z.infer<typeof DeletedDownloadDto>;

/** `PATCH /manage/v1/models/{id}/settings`: the model after the change, and what the change did. */
export const ModelSettingsResultDto = LocalModelDto.extend({ reload: ModelReloadState });
export type ModelSettingsResultDto = z.infer<typeof ModelSettingsResultDto>;
