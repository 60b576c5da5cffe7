import type {
  HealthDto,
  ModelDto,
  PatchServerBody,
  PatchSettingsBody,
  ServerDto,
  SettingsDto,
} from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { createApiClient, type ApiClient } from "../api/createApiClient";
import { resolveConnection } from "../api/resolveConnection";
import { useAuthStore } from "./useAuthStore";

/** `connecting` until the first answer or failure; then whether `/health` answered last time. */
export type Reachability = "connecting" | "online" | "unreachable";

export interface ServerState {
  /** Origin of the API once known. */
  baseUrl?: string;
  reachability: Reachability;
  /** The last `/health` body; cleared when the server stops answering. */
  health?: HealthDto;
  /** Models from the last `/v1/models`; empty when it failed. */
  models: ModelDto[];
  /** Why the last health check failed. */
  healthError?: string;
  /** Why the last model list failed (the server can be up while this fails). */
  modelsError?: string;
  /** When the last check finished, in ms since the epoch. */
  checkedAt?: number;
  /** Checks health and models once, now. */
  refresh(): Promise<void>;
  /** Checks every `intervalMs` (defaults to `5000`) until the returned function is called. */
  startPolling(intervalMs?: number): () => void;
  /** Forgets what was seen (on sign-out: the next member must not see the last one's models). */
  reset(): void;

  // ── staff: the server's binding, clients and settings (`/manage/v1/server`, `/settings`) ──
  /** The last `GET /server`: binding, share URLs, connected clients, queues. */
  server?: ServerDto;
  /** Why the last `GET /server` failed. */
  serverError?: string;
  /** The last `GET /settings`. */
  settings?: SettingsDto;
  settingsError?: string;
  /** Reads `GET /server` (staff only; a 403 lands in `serverError`). */
  loadServer(): Promise<void>;
  /** `PATCH /server` (owner only); resolves with the new state, rejects with the server's error. */
  updateServer(patch: PatchServerBody): Promise<ServerDto>;
  loadSettings(): Promise<void>;
  /** `PATCH /settings`; resolves with the saved settings, rejects with the server's error. */
  saveSettings(patch: PatchSettingsBody): Promise<SettingsDto>;
}

export interface ServerStoreDeps {
  /** Finds the API and builds its client; called again after a failure. */
  connect: () => Promise<ApiClient>;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * The server's status as the renderer last saw it. A cache of what the API says, never persisted:
 * the server is the truth (research A.3 §8).
 */
export function createServerStore(deps: ServerStoreDeps) {
  const now = deps.now ?? Date.now;
  let client: Promise<ApiClient> | undefined;
  const getClient = () =>
    (client ??= deps.connect().catch((err: unknown) => {
      client = undefined;
      throw err;
    }));
  // Only the latest check may write: a slow answer must not overwrite a newer one.
  let latestCheck = 0;
  // Likewise for the staff reads; a write bumps them too, so an older read cannot undo it.
  let latestServerRead = 0;
  let latestSettingsRead = 0;

  // Every field listed, undefined ones too, so that `set(initial)` clears them.
  const initial: Omit<
    ServerState,
    | "refresh"
    | "startPolling"
    | "reset"
    | "loadServer"
    | "updateServer"
    | "loadSettings"
    | "saveSettings"
  > = {
    baseUrl: undefined,
    reachability: "connecting",
    health: undefined,
    models: [],
    healthError: undefined,
    modelsError: undefined,
    checkedAt: undefined,
    server: undefined,
    serverError: undefined,
    settings: undefined,
    settingsError: undefined,
  };

  return create<ServerState>()((set, get) => ({
    ...initial,

    async refresh() {
      const check = ++latestCheck;
      let api: ApiClient;
      try {
        api = await getClient();
      } catch (err) {
        if (check !== latestCheck) return;
        set({
          reachability: "unreachable",
          health: undefined,
          models: [],
          healthError: describeError(err),
          modelsError: undefined,
          checkedAt: now(),
        });
        return;
      }
      const [health, models] = await Promise.allSettled([api.getHealth(), api.listModels()]);
      if (check !== latestCheck) return;
      set({
        baseUrl: api.baseUrl,
        reachability: health.status === "fulfilled" ? "online" : "unreachable",
        health: health.status === "fulfilled" ? health.value : undefined,
        healthError: health.status === "rejected" ? describeError(health.reason) : undefined,
        models: models.status === "fulfilled" ? models.value.data : [],
        modelsError: models.status === "rejected" ? describeError(models.reason) : undefined,
        checkedAt: now(),
      });
    },

    startPolling(intervalMs = 5000) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Each check waits for the previous one, so a slow server never gets overlapping polls.
      const tick = async () => {
        await get().refresh();
        if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
      };
      void tick();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },

    reset() {
      latestCheck++; // a check still in flight must not write afterwards
      latestServerRead++;
      latestSettingsRead++;
      set(initial);
    },

    async loadServer() {
      const read = ++latestServerRead;
      try {
        const server = await (await getClient()).manage("GET /server");
        if (read === latestServerRead) set({ server, serverError: undefined });
      } catch (err) {
        if (read === latestServerRead) set({ serverError: describeError(err) });
      }
    },

    async updateServer(patch) {
      latestServerRead++;
      const server = await (await getClient()).manage("PATCH /server", { body: patch });
      set({ server, serverError: undefined });
      return server;
    },

    async loadSettings() {
      const read = ++latestSettingsRead;
      try {
        const settings = await (await getClient()).manage("GET /settings");
        if (read === latestSettingsRead) set({ settings, settingsError: undefined });
      } catch (err) {
        if (read === latestSettingsRead) set({ settingsError: describeError(err) });
      }
    },

    async saveSettings(patch) {
      latestSettingsRead++;
      const settings = await (await getClient()).manage("PATCH /settings", { body: patch });
      set({ settings, settingsError: undefined });
      return settings;
    },
  }));
}

export const useServerStore = createServerStore({
  // The key is read at each call; a 401 drops it, which shows the sign-in form.
  connect: async () =>
    createApiClient((await resolveConnection()).baseUrl, {
      apiKey: () => useAuthStore.getState().key,
      onKeyRejected: (key, message) => useAuthStore.getState().rejectKey(key, message),
    }),
});
