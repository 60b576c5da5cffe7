import type {
  CatalogModelDto,
  DownloadDto,
  LocalModelDto,
  LocalModelListDto,
  ModelSettingsBody,
  ModelSettingsResultDto,
} from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

/** What a model's row is doing right now, started from this page. */
export type ModelAction = "loading" | "unloading" | "deleting" | "configuring";

export interface ModelsState {
  /** The last `GET /models`: models, this machine's memory, the engine's settings. */
  list?: LocalModelListDto;
  downloads: DownloadDto[];
  catalog: CatalogModelDto[];
  /** False until the first list arrived. */
  loaded: boolean;
  /** Why the last read failed; cleared by the next success. */
  error?: string;
  /** Actions in flight, by model id (their buttons show a spinner). */
  actions: Record<string, ModelAction>;
  /** Reads models, downloads and the catalog again. */
  refresh(): Promise<void>;
  load(id: string): Promise<LocalModelDto>;
  unload(id: string): Promise<LocalModelDto>;
  remove(id: string): Promise<void>;
  /** Stores load settings (`PATCH /models/:id/settings`); a loaded model reloads with them. */
  saveSettings(id: string, body: ModelSettingsBody): Promise<ModelSettingsResultDto>;
  /** Copies a GGUF file on the server's machine into the models folder. */
  importFile(path: string, id?: string): Promise<LocalModelDto>;
  download(url: string, id?: string): Promise<DownloadDto>;
  cancelDownload(id: string): Promise<void>;
  resumeDownload(id: string): Promise<void>;
  clearDownload(id: string): Promise<void>;
  /** Puts a download as an event carried it into the list (progress needs no read). */
  applyDownload(d: DownloadDto): void;
  /** Forgets everything (on leaving the page or signing out). */
  reset(): void;
}

export interface ModelsStoreDeps {
  /** The API client (the app's by default; tests pass their own). */
  api: () => Promise<ApiClient>;
}

/** Loading a large model can take minutes on a slow disk: the call waits this long. */
const LOAD_TIMEOUT_MS = 300_000;
/** Imports copy the whole file. */
const IMPORT_TIMEOUT_MS = 600_000;

/**
 * Local models, downloads and the catalog (`/manage/v1/models…`). A cache of what the server
 * says, refetched after each change and on `model.*` events; download progress events update
 * their row in place.
 */
export function createModelsStore(deps: ModelsStoreDeps) {
  // Only the newest read may write: a slow answer must not overwrite a newer one.
  let latestRead = 0;
  const initial = {
    list: undefined as LocalModelListDto | undefined,
    downloads: [] as DownloadDto[],
    catalog: [] as CatalogModelDto[],
    loaded: false,
    error: undefined as string | undefined,
    actions: {} as Record<string, ModelAction>,
  };

  return create<ModelsState>()((set, get) => {
    /** Runs a model action with its row marked busy, then reads the list again. */
    const act = async <T>(id: string, action: ModelAction, run: (api: ApiClient) => Promise<T>) => {
      set((s) => ({ actions: { ...s.actions, [id]: action } }));
      try {
        return await run(await deps.api());
      } finally {
        set((s) => {
          const actions = { ...s.actions };
          delete actions[id];
          return { actions };
        });
        void get().refresh();
      }
    };
    const downloadCall = async (run: (api: ApiClient) => Promise<unknown>) => {
      await run(await deps.api());
      await get().refresh();
    };

    return {
      ...initial,

      async refresh() {
        const call = ++latestRead;
        try {
          const api = await deps.api();
          const [list, downloads, catalog] = await Promise.all([
            // The first list may start the engine host to learn about the GPU.
            api.manage("GET /models", { timeoutMs: 20_000 }),
            api.manage("GET /models/downloads"),
            api.manage("GET /models/catalog"),
          ]);
          if (call === latestRead)
            set({
              list,
              downloads: downloads.data,
              catalog: catalog.data,
              loaded: true,
              error: undefined,
            });
        } catch (err) {
          if (call === latestRead) set({ error: describeError(err) });
        }
      },

      load: (id) =>
        act(id, "loading", (api) =>
          api.manage("POST /models/:id/load", { params: { id }, timeoutMs: LOAD_TIMEOUT_MS }),
        ),
      unload: (id) =>
        act(id, "unloading", (api) => api.manage("POST /models/:id/unload", { params: { id } })),
      remove: (id) =>
        act(id, "deleting", async (api) => {
          await api.manage("DELETE /models/:id", { params: { id } });
        }),
      // An idle loaded model is unloaded and loaded again before the answer: as slow as a load.
      saveSettings: (id, body) =>
        act(id, "configuring", async (api) => {
          const saved = await api.manage("PATCH /models/:id/settings", {
            params: { id },
            body,
            timeoutMs: LOAD_TIMEOUT_MS,
          });
          // The answer is the model as it is now: show it at once rather than after the refresh.
          const { reload: _, ...model } = saved;
          set((s) =>
            s.list
              ? { list: { ...s.list, data: s.list.data.map((m) => (m.id === id ? model : m)) } }
              : {},
          );
          return saved;
        }),

      async importFile(path, id) {
        const api = await deps.api();
        const model = await api.manage("POST /models/import", {
          body: id ? { path, id } : { path },
          timeoutMs: IMPORT_TIMEOUT_MS,
        });
        await get().refresh();
        return model;
      },

      async download(url, id) {
        const api = await deps.api();
        const d = await api.manage("POST /models/downloads", { body: id ? { url, id } : { url } });
        get().applyDownload(d);
        void get().refresh();
        return d;
      },

      cancelDownload: (id) =>
        downloadCall((api) => api.manage("POST /models/downloads/:id/cancel", { params: { id } })),
      resumeDownload: (id) =>
        downloadCall((api) => api.manage("POST /models/downloads/:id/resume", { params: { id } })),
      clearDownload: (id) =>
        downloadCall((api) => api.manage("DELETE /models/downloads/:id", { params: { id } })),

      applyDownload(d) {
        set((s) => {
          const i = s.downloads.findIndex((x) => x.id === d.id);
          const downloads = [...s.downloads];
          if (i >= 0) downloads[i] = d;
          else downloads.push(d);
          return { downloads };
        });
      },

      reset() {
        latestRead++;
        set(initial);
      },
    };
  });
}

export const useModelsStore = createModelsStore({ api: appApi });
