import type { Logger } from "pino";
import { EngineError } from "./EngineError.js";
import { FairQueue, type MemberQueueStatus } from "./FairQueue.js";
import type { HostSupervisor } from "./HostSupervisor.js";
import { loadOptionsFor, NO_LOAD_SETTINGS, type ModelLoadSettings } from "./loadSettings.js";
import { planRoom } from "./memoryBudget.js";
import type { LocalModel, ModelRegistry } from "./ModelRegistry.js";
import type { HostHardware, LoadedModelInfo, LoadOptions } from "./protocol.js";

export interface LocalEngineOptions {
  registry: ModelRegistry;
  supervisor: HostSupervisor;
  log: Logger;
  /**
   * Context tokens per sequence for models without their own setting (`engine.contextSize`);
   * `"auto"`: the largest that fits memory, up to the model's training context.
   */
  contextSize: number | "auto";
  /** Sequences for models without their own setting (`engine.sequences`). */
  sequences: number;
  /** A model's stored load settings (the `model_settings` table); none set when absent. */
  loadSettings?: (modelId: string) => ModelLoadSettings;
  /**
   * Bytes all loaded models may occupy together, RAM + VRAM (`engine.memoryBudgetMb`). Absent:
   * the memory the engine host reports free decides.
   */
  memoryBudgetBytes?: number;
  /** The machine as the engine host sees it (free RAM/VRAM), for eviction; none: count only. */
  hardware?: () => Promise<HostHardware>;
  /** Requests one member may have waiting per model (their own `max_queued` overrides it). */
  maxQueue: number;
  /** Seconds idle before unload; 0 = never. */
  idleTtlS: number;
  maxLoadedModels: number;
}

export interface Resident {
  model: LocalModel;
  ready: Promise<LoadedModelInfo>;
  info?: LoadedModelInfo;
  /** What it is loaded (or loading) with. */
  options: LoadOptions;
  /** Its settings changed while it served requests: reloaded as soon as it is idle. */
  stale?: boolean;
  slots: FairQueue;
  inFlight: number;
  lastUsedMs: number;
  idleTimer?: NodeJS.Timeout;
}

export interface LoadedModelStatus {
  id: string;
  state: "loading" | "ready";
  info?: LoadedModelInfo;
  inFlight: number;
  queued: number;
  /** Sequences of this model generating right now (at most `slots`). */
  busySlots: number;
  /** Sequences this model was loaded with: requests beyond them wait in its queue. */
  slots: number;
  /** Per member: sequences held and requests waiting. */
  members: MemberQueueStatus[];
  lastUsedMs: number;
}

/**
 * Which local models are in memory: loads on first use (single-flight) with each model's own
 * load settings, reloads when they change, unloads after the idle TTL, and evicts least recently
 * used idle models when the model count or the memory budget would be exceeded. `LocalEngine`
 * adds the requests on top (fair admission to sequences, generation, embeddings).
 */
export class ModelResidency {
  protected readonly residents = new Map<string, Resident>();
  /** Load requests sent to the host, per model id (observable single-flight). */
  readonly loadCounts = new Map<string, number>();

  constructor(protected readonly opts: LocalEngineOptions) {
    opts.supervisor.onHostExit(() => {
      // The models died with the host; they are loaded again on next use.
      for (const r of this.residents.values()) clearTimeout(r.idleTimer);
      this.residents.clear();
    });
  }

  /** Context per sequence for models without their own setting (`"auto"` fits memory). */
  get contextSize(): number | "auto" {
    return this.opts.contextSize;
  }

  /** Sequences for models without their own setting. */
  get sequences(): number {
    return this.opts.sequences;
  }

  get memoryBudgetBytes(): number | undefined {
    return this.opts.memoryBudgetBytes;
  }

  /** What `model` is (or would be) loaded with: its stored settings over the engine defaults. */
  loadOptions(model: LocalModel): LoadOptions {
    const r = this.residents.get(model.id);
    if (r && !r.stale) return r.options;
    const settings = this.opts.loadSettings?.(model.id) ?? NO_LOAD_SETTINGS;
    return loadOptionsFor(settings, this.opts, model.contextLength);
  }

  /**
   * The most prompt + completion tokens one request to `modelId` can use (sizes the ledger's
   * reservation): the loaded context per sequence; before a load, the explicit setting or, for
   * `"auto"`, the training context it can grow to (an upper bound, so reservations never fall
   * short). Unknown models: the engine default, or 4096.
   */
  contextTokens(modelId: string): number {
    const r = this.residents.get(modelId);
    if (r?.info && !r.stale) return r.info.contextSize;
    const model = this.opts.registry.peek(modelId);
    const fallback = this.opts.contextSize === "auto" ? 4096 : this.opts.contextSize;
    if (!model) return fallback;
    const context = this.loadOptions(model).contextSize;
    return context === "auto" ? (model.contextLength ?? fallback) : context;
  }

  /**
   * Applies changed load settings to `modelId`: an idle loaded model is unloaded and loaded again
   * now (resolving with its new info); a busy one is marked stale and reloaded as soon as its
   * requests finish, so in-flight generations are never cut (resolves `"pending"`). A model that
   * is not loaded picks them up at its next load (`"not_loaded"`).
   */
  async reload(modelId: string): Promise<LoadedModelInfo | "pending" | "not_loaded"> {
    const r = this.residents.get(modelId);
    if (!r) return "not_loaded";
    if (r.inFlight > 0 || !r.info) {
      r.stale = true;
      return "pending";
    }
    await this.unload(modelId);
    return this.load(modelId);
  }

  get registry(): ModelRegistry {
    return this.opts.registry;
  }

  get supervisor(): HostSupervisor {
    return this.opts.supervisor;
  }

  /** Seconds an idle model stays loaded; 0 keeps it until shutdown. */
  get idleTtlS(): number {
    return this.opts.idleTtlS;
  }

  /** Requests one member may have waiting per model before `queue_full` (unless their own cap). */
  get maxQueue(): number {
    return this.opts.maxQueue;
  }

  /**
   * Changes the idle TTL at run time (the settings API). Idle resident models restart their
   * countdown under the new value; busy ones start it when they go idle.
   */
  setIdleTtlS(seconds: number): void {
    this.opts.idleTtlS = seconds;
    // scheduleIdle clears the old timer, and sets none while busy or with a TTL of 0.
    for (const r of this.residents.values()) if (r.info) this.scheduleIdle(r);
  }

  listModels(): Promise<LocalModel[]> {
    return this.opts.registry.scan();
  }

  status(): LoadedModelStatus[] {
    return [...this.residents.values()].map((r) => ({
      id: r.model.id,
      state: r.info ? "ready" : "loading",
      info: r.info,
      inFlight: r.inFlight,
      queued: r.slots.queued,
      busySlots: r.slots.inUse,
      slots: r.options.sequences,
      members: r.slots.members(),
      lastUsedMs: r.lastUsedMs,
    }));
  }

  /** Loads `modelId` (if needed) and resolves once it is ready. */
  async load(modelId: string): Promise<LoadedModelInfo> {
    return this.resident(await this.requireModel(modelId)).ready;
  }

  async unload(modelId: string): Promise<boolean> {
    const r = this.residents.get(modelId);
    if (!r) return false;
    this.residents.delete(modelId);
    clearTimeout(r.idleTimer);
    await new Promise<void>((resolve) => {
      const { release } = this.opts.supervisor.request({ type: "unload", modelId }, () => {
        release();
        resolve();
      });
    });
    this.opts.log.info({ model: modelId }, "model unloaded");
    return true;
  }

  protected async requireModel(modelId: string): Promise<LocalModel> {
    const model = await this.opts.registry.find(modelId);
    if (!model) throw new EngineError("model_not_found", `The model '${modelId}' does not exist`);
    if (model.error) throw new EngineError("model_load_failed", model.error);
    return model;
  }

  /** The resident entry for `model`, starting a load (once) if there is none. */
  protected resident(model: LocalModel): Resident {
    const existing = this.residents.get(model.id);
    if (existing) return existing;
    this.evictForRoom();
    const options = this.loadOptions(model);
    const loading = this.sendLoad(model, options);
    const r: Resident = {
      model,
      ready: loading.then(
        (info) => {
          r.info = info;
          return info;
        },
        (err: unknown) => {
          if (this.residents.get(model.id) === r) this.residents.delete(model.id);
          throw err;
        },
      ),
      options,
      slots: new FairQueue(options.sequences, this.opts.maxQueue),
      inFlight: 0,
      lastUsedMs: Date.now(),
    };
    r.ready.catch(() => undefined); // observed by callers; avoid an unhandled rejection here
    this.residents.set(model.id, r);
    return r;
  }

  private async sendLoad(model: LocalModel, options: LoadOptions): Promise<LoadedModelInfo> {
    await this.opts.supervisor.ensureStarted().catch((err: unknown) => {
      throw new EngineError(
        "engine_unavailable",
        `The engine host could not start: ${(err as Error).message}`,
      );
    });
    await this.evictForMemory(model, options);
    this.loadCounts.set(model.id, (this.loadCounts.get(model.id) ?? 0) + 1);
    this.opts.log.info({ model: model.id }, "loading model");
    const info = await new Promise<LoadedModelInfo>((resolve, reject) => {
      const req = this.opts.supervisor.request(
        {
          type: "load",
          modelId: model.id,
          path: model.path,
          options,
        },
        (m) => {
          req.release();
          if (m.type === "loaded") resolve(m.info);
          else if (m.type === "error") reject(EngineError.fromPayload(m.error));
          else reject(new EngineError("internal", `unexpected ${m.type} reply to load`));
        },
      );
    });
    this.opts.log.info(
      {
        model: model.id,
        loadMs: info.loadMs,
        contextSize: info.contextSize,
        sequences: info.sequences,
        memory: info.memory,
      },
      "model loaded",
    );
    return info;
  }

  protected scheduleIdle(r: Resident): void {
    clearTimeout(r.idleTimer);
    if (r.stale && r.inFlight === 0 && this.residents.get(r.model.id) === r) {
      // Its settings changed while it was busy (see reload): load it again with the new ones.
      this.opts.log.info({ model: r.model.id }, "reloading model with its new settings");
      void this.unload(r.model.id).then(() => this.load(r.model.id).catch(() => undefined));
      return;
    }
    if (r.inFlight > 0 || this.opts.idleTtlS <= 0) return;
    r.idleTimer = setTimeout(() => {
      if (r.inFlight === 0 && this.residents.get(r.model.id) === r) {
        this.opts.log.info(
          { model: r.model.id, idleTtlS: this.opts.idleTtlS },
          "unloading idle model",
        );
        void this.unload(r.model.id);
      }
    }, this.opts.idleTtlS * 1000);
    r.idleTimer.unref();
  }

  /** Unloads the least recently used idle model when one more would exceed the limit. */
  private evictForRoom(): void {
    if (this.residents.size < this.opts.maxLoadedModels) return;
    const idle = [...this.residents.values()]
      .filter((r) => r.inFlight === 0 && r.info)
      .sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    const victim = idle[0];
    if (victim) {
      this.opts.log.info({ model: victim.model.id }, "evicting least recently used model");
      void this.unload(victim.model.id);
    } else {
      this.opts.log.warn(
        { loaded: this.residents.size },
        "all loaded models are busy; loading one more",
      );
    }
  }

  /**
   * Before a load: unloads least recently used idle models until the new one's estimated need
   * (node-llama-cpp's insights for its context × sequences; `"auto"` estimated at 32k or the
   * training context) fits the free memory the host reports and the memory budget. A need beyond
   * the whole budget fails with `insufficient_memory`; one that only busy models stand in the way
   * of is loaded anyway (node-llama-cpp still refuses what cannot fit in free memory).
   */
  private async evictForMemory(model: LocalModel, options: LoadOptions): Promise<void> {
    if (!this.opts.hardware) return;
    const loaded = [...this.residents.values()]
      .filter((r) => r.model.id !== model.id && r.info)
      .map((r) => ({
        id: r.model.id,
        memory: r.info!.memory,
        lastUsedMs: r.lastUsedMs,
        busy: r.inFlight > 0,
      }));
    const { victims, fits, need } = await planRoom({
      model,
      options,
      hardware: await this.opts.hardware(),
      budget: this.opts.memoryBudgetBytes,
      loaded,
    });
    for (const v of victims) {
      this.opts.log.info({ model: v.id, for: model.id }, "evicting model to make memory room");
      await this.unload(v.id);
    }
    if (!fits)
      this.opts.log.warn(
        { model: model.id, need, budget: this.opts.memoryBudgetBytes },
        "not enough memory free even after evicting idle models; loading anyway",
      );
  }

  async close(): Promise<void> {
    for (const r of this.residents.values()) clearTimeout(r.idleTimer);
    this.residents.clear();
    await this.opts.supervisor.close();
  }
}
