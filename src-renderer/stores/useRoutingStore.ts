import type {
  AliasDto,
  CategoryDto,
  ModelCategoriesDto,
  PatchRoutingSettingsBody,
  PutAliasBody,
  PutCategoryBody,
  RouteTestBody,
  RouteTestDto,
  RoutingDto,
  RoutingSettingsDto,
} from "@contract";
import type { z } from "zod";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

export interface RoutingState {
  /** Settings, categories (the route table), aliases and the categories of models and pools. */
  routing?: RoutingDto;
  /** Local model ids (`GET /models`): router model choices, and targets. */
  localModels: string[];
  /** Pool ids (`GET /pools`): targets too. */
  pools: string[];
  loaded: boolean;
  /** Why the last read failed; cleared by the next success. */
  error?: string;
  refresh(): Promise<void>;
  saveSettings(body: z.input<typeof PatchRoutingSettingsBody>): Promise<RoutingSettingsDto>;
  saveCategory(name: string, body: z.input<typeof PutCategoryBody>): Promise<CategoryDto>;
  deleteCategory(name: string): Promise<void>;
  saveAlias(id: string, body: z.input<typeof PutAliasBody>): Promise<AliasDto>;
  deleteAlias(id: string): Promise<void>;
  setModelCategories(model: string, categories: string[]): Promise<ModelCategoriesDto>;
  /** Where a prompt would go, and why (`POST /routes/test`): classified, never answered. */
  test(body: z.input<typeof RouteTestBody>): Promise<RouteTestDto>;
  reset(): void;
}

export interface RoutingStoreDeps {
  api: () => Promise<ApiClient>;
}

/**
 * A route test runs the classifier on the router model (generation or embeddings), which may
 * have to load first: far longer than a read.
 */
const TEST_TIMEOUT_MS = 120_000;

/**
 * Routing as the server last said (staff only: `GET /routing` is theirs), with the ids a route
 * may target. Each write reads everything again: a change to one part (a category deleted)
 * changes others (an alias's categories, a setting's default).
 */
export function createRoutingStore(deps: RoutingStoreDeps) {
  let latest = 0;
  const initial = {
    routing: undefined,
    localModels: [] as string[],
    pools: [] as string[],
    loaded: false,
    error: undefined,
  };
  return create<RoutingState>()((set, get) => {
    async function write<T>(f: (api: ApiClient) => Promise<T>): Promise<T> {
      const out = await f(await deps.api());
      await get().refresh();
      return out;
    }

    return {
      ...initial,

      async refresh() {
        const call = ++latest;
        try {
          const api = await deps.api();
          const [routing, models, pools] = await Promise.all([
            api.manage("GET /routing"),
            api.manage("GET /models"),
            api.manage("GET /pools"),
          ]);
          if (call === latest)
            set({
              routing,
              localModels: models.data.map((m) => m.id).sort(),
              pools: pools.data.map((p) => p.id).sort(),
              loaded: true,
              error: undefined,
            });
        } catch (err) {
          if (call === latest) set({ error: describeError(err) });
        }
      },

      saveSettings: (body) => write((api) => api.manage("PATCH /routing/settings", { body })),

      saveCategory: (name, body) =>
        write((api) => api.manage("PUT /routing/categories/:name", { params: { name }, body })),

      async deleteCategory(name) {
        await write((api) => api.manage("DELETE /routing/categories/:name", { params: { name } }));
      },

      saveAlias: (id, body) =>
        write((api) => api.manage("PUT /routing/aliases/*id", { params: { id }, body })),

      async deleteAlias(id) {
        await write((api) => api.manage("DELETE /routing/aliases/*id", { params: { id } }));
      },

      setModelCategories: (model, categories) =>
        write((api) =>
          api.manage("PUT /routing/model-categories/*model", {
            params: { model },
            body: { categories },
          }),
        ),

      async test(body) {
        const api = await deps.api();
        return api.manage("POST /routes/test", { body, timeoutMs: TEST_TIMEOUT_MS });
      },

      reset() {
        latest++;
        set(initial);
      },
    };
  });
}

export const useRoutingStore = createRoutingStore({ api: appApi });
