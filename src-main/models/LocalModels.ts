import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { EventBus } from "../app/eventBus.js";
import type {
  CatalogModelDto,
  LocalModelDto,
  LocalModelListDto,
  MachineMemoryDto,
  ModelSettingsBody,
  ModelSettingsResultDto,
} from "../contract/index.js";
import { EngineError } from "../engine/EngineError.js";
import { queryHostHardware } from "../engine/hostHardware.js";
import type { LoadedModelStatus, LocalEngine } from "../engine/LocalEngine.js";
import type { LocalModel } from "../engine/ModelRegistry.js";
import {
  estimateContextOf,
  NO_LOAD_SETTINGS,
  type ModelLoadSettings,
} from "../engine/loadSettings.js";
import { estimateModelFit } from "../engine/modelFit.js";
import type { HostConfig } from "../engine/protocol.js";
import type { CatalogEntry } from "./catalog.js";
import { importModelFile } from "./importModel.js";
import { applyBody, effectiveDto, settingsDto } from "./loadSettingsView.js";
import { isSafeModelId, modelFilesOf, removeFiles } from "./modelFiles.js";
import type { DownloadNetwork } from "./guardedConnect.js";
import { ModelDownloads } from "./ModelDownloads.js";
import { ModelsError } from "./ModelsError.js";

export interface LocalModelsOptions {
  engine: LocalEngine;
  modelsDir: string;
  /** The engine's GPU setting: with `false` no host is started to learn about a GPU. */
  gpu: HostConfig["gpu"];
  /** Models resident at once (the engine's setting). */
  maxLoadedModels: number;
  /** Per-model load settings as stored (the `model_settings` table). */
  loadSettings: {
    get(modelId: string): ModelLoadSettings | null;
    set(modelId: string, settings: ModelLoadSettings): ModelLoadSettings;
  };
  catalog: CatalogEntry[];
  events: EventBus;
  log: Logger;
  /** Downloads transferring at once. Defaults to 2. */
  downloadConcurrency?: number;
  /** Resolver and test-only peers for the download address guard (tests). Defaults to none. */
  downloadNetwork?: DownloadNetwork;
}

/**
 * Model management for the Models page and `/manage/v1/models`: the local models with their
 * load state and fit estimates, loading and unloading, deleting, importing, the catalog and
 * downloads. Every file it removes or writes is inside the models folder.
 */
export class LocalModels {
  readonly downloads: ModelDownloads;

  constructor(private readonly opts: LocalModelsOptions) {
    this.downloads = new ModelDownloads({
      modelsDir: opts.modelsDir,
      events: opts.events,
      log: opts.log,
      concurrency: opts.downloadConcurrency,
      network: opts.downloadNetwork,
      modelExists: (id) => this.exists(id),
      onModelAdded: async () => {
        await opts.engine.registry.scan();
      },
    });
  }

  get modelsDir(): string {
    return this.opts.modelsDir;
  }

  /** Every local model with its state and fit estimate, and this machine's memory. */
  async list(): Promise<LocalModelListDto> {
    const { engine } = this.opts;
    const [models, hardware] = await Promise.all([
      engine.listModels(),
      queryHostHardware(engine.supervisor, this.opts.gpu),
    ]);
    const status = new Map(engine.status().map((s) => [s.id, s]));
    const data = await Promise.all(models.map((m) => this.view(m, status.get(m.id), hardware)));
    let loadedRam = 0;
    let loadedVram = 0;
    for (const s of status.values()) {
      loadedRam += s.info?.memory.ram ?? 0;
      loadedVram += s.info?.memory.vram ?? 0;
    }
    const machine: MachineMemoryDto = {
      ram: { total_bytes: hardware.ram.total, free_bytes: hardware.ram.free },
      vram: hardware.vram && {
        total_bytes: hardware.vram.total,
        used_bytes: hardware.vram.used,
        free_bytes: hardware.vram.free,
      },
      gpu: hardware.gpu === false ? null : hardware.gpu,
      gpu_known: hardware.known,
      loaded_ram_bytes: loadedRam,
      loaded_vram_bytes: loadedVram,
    };
    return {
      object: "list",
      data,
      machine,
      engine: {
        context_size: engine.contextSize,
        sequences: engine.sequences,
        max_loaded_models: this.opts.maxLoadedModels,
        memory_budget_bytes: engine.memoryBudgetBytes ?? null,
      },
    };
  }

  /** One model as listed. Throws not_found for an unknown (or unsafe) id. */
  async get(id: string): Promise<LocalModelDto> {
    const model = await this.find(id);
    const hardware = await queryHostHardware(this.opts.engine.supervisor, this.opts.gpu);
    return this.view(model, this.resident(model.id), hardware);
  }

  /** Loads a model (single-flight in the engine); engine failures propagate as EngineError. */
  async load(id: string): Promise<LocalModelDto> {
    const model = await this.find(id);
    if (model.error)
      throw new ModelsError("conflict", "model_unreadable", `Cannot load '${id}': ${model.error}`);
    await this.opts.engine.load(model.id);
    return this.get(id);
  }

  /**
   * Stores new load settings and applies them without a restart: an idle loaded model is reloaded
   * now; a busy one when its requests finish (`pending`, see LocalEngine.reload). A model not
   * loaded is checked against the memory estimate first, so settings that cannot fit are refused
   * before they are stored; a reload that fails puts the old settings back (and reloads them) and
   * rethrows, so a model never stays broken by an edit. Returns the old and new stored settings.
   */
  async updateSettings(
    id: string,
    body: ModelSettingsBody,
  ): Promise<{ before: ModelLoadSettings; result: ModelSettingsResultDto }> {
    const model = await this.find(id);
    const { engine, loadSettings } = this.opts;
    const before = loadSettings.get(model.id) ?? NO_LOAD_SETTINGS;
    const next = applyBody(before, body);
    if (
      next.contextSize !== null &&
      model.contextLength !== null &&
      next.contextSize > model.contextLength
    )
      throw new ModelsError(
        "invalid",
        "context_above_training",
        `'context_size' ${next.contextSize} is above the ${model.contextLength} tokens '${id}' was trained with; use at most ${model.contextLength}, or null for the largest that fits.`,
        "context_size",
      );
    const wasLoaded = this.resident(model.id) !== undefined;
    loadSettings.set(model.id, next);
    try {
      if (!this.resident(model.id)) await this.checkFits(model);
      const reload = await engine.reload(model.id);
      const dto = await this.get(id);
      return {
        before,
        result: { ...dto, reload: typeof reload === "string" ? reload : "reloaded" },
      };
    } catch (err) {
      loadSettings.set(model.id, before);
      // The failed reload left it unloaded: bring it back as it was (best effort).
      if (wasLoaded && !this.resident(model.id)) await engine.load(model.id).catch(() => undefined);
      throw err;
    }
  }

  /** Refuses settings whose estimated need is larger than this machine's RAM (or the budget). */
  private async checkFits(model: LocalModel): Promise<void> {
    const { engine } = this.opts;
    const options = engine.loadOptions(model);
    const hardware = await queryHostHardware(engine.supervisor, this.opts.gpu);
    const contextSize = estimateContextOf(options, model.contextLength);
    const fit = await estimateModelFit(model, hardware, {
      contextSize,
      sequences: options.sequences,
    });
    const need = fit.ramBytes + fit.vramBytes;
    const budget = engine.memoryBudgetBytes;
    if (fit.fit === "too_large" || (budget !== undefined && need > budget))
      throw new EngineError(
        "insufficient_memory",
        `'${model.id}' with context ${contextSize} × ${options.sequences} sequences needs about ${Math.ceil(need / 2 ** 20)} MiB, more than this machine ${budget !== undefined ? "may use (engine.memoryBudgetMb)" : "has"}. Lower the context size or the sequences, or pick a smaller KV-cache type (q8_0, q4_0).`,
      );
  }

  async unload(id: string): Promise<LocalModelDto> {
    const model = await this.find(id);
    const resident = this.resident(model.id);
    if (!resident)
      throw new ModelsError("conflict", "model_not_loaded", `The model '${id}' is not loaded.`);
    this.refuseBusy(resident);
    await this.opts.engine.unload(model.id);
    return this.get(id);
  }

  /** Unloads the model if loaded, then removes its file(s); returns what was removed. */
  async delete(id: string): Promise<{ id: string; files: string[]; freedBytes: number }> {
    const model = await this.find(id);
    const resident = this.resident(model.id);
    if (resident) this.refuseBusy(resident);
    const files = await modelFilesOf(this.opts.modelsDir, model.path).catch((err: Error) => {
      throw new ModelsError("conflict", "outside_models_folder", err.message);
    });
    if (resident) await this.opts.engine.unload(model.id);
    const freedBytes = await removeFiles(files);
    await this.opts.engine.registry.scan();
    this.opts.log.info({ model: model.id, files: files.length, freedBytes }, "model deleted");
    return { id: model.id, files: files.map((f) => this.relative(f)), freedBytes };
  }

  /** Copies a GGUF file from this machine into the models folder. */
  async import(source: string, id?: string): Promise<LocalModelDto> {
    const imported = await importModelFile({
      source,
      id,
      modelsDir: this.opts.modelsDir,
      modelExists: (x) => this.exists(x),
    });
    await this.opts.engine.registry.scan();
    this.opts.log.info({ model: imported.id, bytes: imported.bytes }, "model imported");
    return this.get(imported.id);
  }

  async catalog(): Promise<CatalogModelDto[]> {
    const present = new Set((await this.opts.engine.listModels()).map((m) => m.id));
    return this.opts.catalog.map((e) => ({ ...e, installed: present.has(e.id) }));
  }

  /** Whether a model with this id is in the models folder (rescanning first). */
  async exists(id: string): Promise<boolean> {
    return (await this.opts.engine.listModels()).some((m) => m.id === id);
  }

  close(): Promise<void> {
    return this.downloads.close();
  }

  private async find(id: string): Promise<LocalModel> {
    if (!isSafeModelId(id))
      throw new ModelsError(
        "invalid",
        "invalid_model_id",
        "A model id is a file name: no '/', '\\', NUL, or leading '.'.",
        "id",
      );
    const model = await this.opts.engine.registry.find(id);
    if (!model) throw new ModelsError("not_found", "not_found", "No such model.");
    return model;
  }

  private resident(id: string): LoadedModelStatus | undefined {
    return this.opts.engine.status().find((s) => s.id === id);
  }

  private refuseBusy(resident: LoadedModelStatus): void {
    if (resident.inFlight > 0 || resident.queued > 0)
      throw new ModelsError(
        "conflict",
        "model_busy",
        `The model '${resident.id}' is serving ${resident.inFlight} request(s); try again when it is idle.`,
      );
  }

  private relative(file: string): string {
    return path.relative(this.opts.modelsDir, file).split(path.sep).join("/");
  }

  private async view(
    m: LocalModel,
    s: LoadedModelStatus | undefined,
    hardware: Parameters<typeof estimateModelFit>[1],
  ): Promise<LocalModelDto> {
    const { engine } = this.opts;
    const options = engine.loadOptions(m);
    const contextTokens = engine.contextTokens(m.id);
    const fit = await estimateModelFit(m, hardware, {
      contextSize: s?.info ? s.info.contextSize : estimateContextOf(options, m.contextLength),
      sequences: options.sequences,
    });
    return {
      id: m.id,
      file: this.relative(m.path),
      size_bytes: await this.diskSize(m),
      modified_ms: m.mtimeMs,
      architecture: m.architecture,
      parameters: m.parameters,
      quantization: m.fileType,
      context_length: m.contextLength,
      embedding_length: m.embeddingLength,
      has_chat_template: m.hasChatTemplate,
      error: m.error,
      state: !s ? "not_loaded" : s.state === "ready" ? "loaded" : "loading",
      memory: s?.info ? { ram_bytes: s.info.memory.ram, vram_bytes: s.info.memory.vram } : null,
      in_flight: s?.inFlight ?? 0,
      fit: {
        kind: fit.fit,
        gpu_layers: fit.gpuLayers,
        total_layers: fit.totalLayers,
        context_tokens: fit.contextTokens,
        ram_bytes: fit.ramBytes,
        vram_bytes: fit.vramBytes,
      },
      settings: settingsDto(this.opts.loadSettings.get(m.id) ?? NO_LOAD_SETTINGS),
      effective: effectiveDto(options, s, contextTokens),
    };
  }

  /** Bytes of all parts of a split model; the file's size otherwise. */
  private async diskSize(m: LocalModel): Promise<number> {
    const files = await modelFilesOf(this.opts.modelsDir, m.path).catch(() => [m.path]);
    if (files.length <= 1) return m.sizeBytes;
    let total = 0;
    for (const f of files) total += (await fs.stat(f).catch(() => undefined))?.size ?? 0;
    return total;
  }
}
