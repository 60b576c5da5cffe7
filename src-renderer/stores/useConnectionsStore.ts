import type {
  AddConnectionKeyBody,
  ConnectionDto,
  ConnectionKeyDto,
  ConnectionTestDto,
  ConnectionUsageDto,
  CreateConnectionBody,
  PatchConnectionBody,
  TargetHealthDto,
} from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

/** A connection test as the page shows it: running, or its last answer or failure. */
export interface ConnectionTestState {
  running: boolean;
  result?: ConnectionTestDto;
  /** Why the test could not run at all (no active key, no rights, server unreachable). */
  error?: string;
}

export interface ConnectionsState {
  connections: ConnectionDto[];
  /** False until the first list arrived. */
  loaded: boolean;
  /** Why the last list failed; cleared by the next success. */
  error?: string;
  /** Live health per connection id (`GET /connections/:id/health`), for open detail pages. */
  health: Record<string, TargetHealthDto[]>;
  /** Usage per connection id (`GET /connections/:id/usage`), all time. */
  usage: Record<string, ConnectionUsageDto>;
  tests: Record<string, ConnectionTestState>;
  /** Reads the list again. */
  refresh(): Promise<void>;
  /** Reads one connection's health and usage again (its row comes with the list). */
  refreshDetail(id: string): Promise<void>;
  create(body: CreateConnectionBody): Promise<ConnectionDto>;
  update(id: string, body: PatchConnectionBody): Promise<ConnectionDto>;
  remove(id: string): Promise<void>;
  /** Adds a key. The key goes to the server once; the store keeps only the answer (last 4). */
  addKey(connectionId: string, body: AddConnectionKeyBody): Promise<ConnectionKeyDto>;
  setKeyStatus(keyId: string, status: "active" | "disabled"): Promise<ConnectionKeyDto>;
  deleteKey(keyId: string): Promise<void>;
  /** Lists the upstream's models with the first active key; the outcome lands in `tests[id]`. */
  test(id: string): Promise<void>;
  /** Forgets everything (on sign-out). */
  reset(): void;
}

export interface ConnectionsStoreDeps {
  /** The API client (the app's by default; tests pass their own). */
  api: () => Promise<ApiClient>;
}

/**
 * Remote provider connections, their keys, live health, usage and tests. A cache of what the
 * server says, refetched after each change and on `connection*`/`usage` events; provider keys
 * pass through `addKey` on their way to the server and are never stored here.
 */
export function createConnectionsStore(deps: ConnectionsStoreDeps) {
  // Only the newest list may write: a slow answer must not overwrite a newer one.
  let latestList = 0;
  const latestDetail = new Map<string, number>();
  const initial = {
    connections: [] as ConnectionDto[],
    loaded: false,
    error: undefined as string | undefined,
    health: {} as Record<string, TargetHealthDto[]>,
    usage: {} as Record<string, ConnectionUsageDto>,
    tests: {} as Record<string, ConnectionTestState>,
  };

  return create<ConnectionsState>()((set, get) => {
    /** Puts `c` in the list in place of the row with its id (or appends it). */
    const upsert = (c: ConnectionDto) =>
      set((s) => {
        const i = s.connections.findIndex((x) => x.id === c.id);
        const connections = [...s.connections];
        if (i >= 0) connections[i] = c;
        else connections.push(c);
        return { connections };
      });

    return {
      ...initial,

      async refresh() {
        const call = ++latestList;
        try {
          const api = await deps.api();
          const list = await api.manage("GET /connections");
          if (call === latestList) set({ connections: list.data, loaded: true, error: undefined });
        } catch (err) {
          if (call === latestList) set({ error: describeError(err) });
        }
      },

      async refreshDetail(id) {
        const call = (latestDetail.get(id) ?? 0) + 1;
        latestDetail.set(id, call);
        const api = deps.api();
        const [health, usage] = await Promise.allSettled([
          api.then((a) => a.manage("GET /connections/:id/health", { params: { id } })),
          api.then((a) => a.manage("GET /connections/:id/usage", { params: { id } })),
        ]);
        if (latestDetail.get(id) !== call) return;
        set((s) => ({
          health:
            health.status === "fulfilled" ? { ...s.health, [id]: health.value.data } : s.health,
          usage: usage.status === "fulfilled" ? { ...s.usage, [id]: usage.value } : s.usage,
        }));
      },

      async create(body) {
        const api = await deps.api();
        const created = await api.manage("POST /connections", { body });
        upsert(created);
        return created;
      },

      async update(id, body) {
        const api = await deps.api();
        const updated = await api.manage("PATCH /connections/:id", { params: { id }, body });
        upsert(updated);
        return updated;
      },

      async remove(id) {
        const api = await deps.api();
        await api.manage("DELETE /connections/:id", { params: { id } });
        set((s) => ({ connections: s.connections.filter((c) => c.id !== id) }));
      },

      async addKey(connectionId, body) {
        const api = await deps.api();
        const key = await api.manage("POST /connections/:id/keys", {
          params: { id: connectionId },
          body,
        });
        await get().refresh();
        return key;
      },

      async setKeyStatus(keyId, status) {
        const api = await deps.api();
        const key = await api.manage("PATCH /connection-keys/:id", {
          params: { id: keyId },
          body: { status },
        });
        await get().refresh();
        return key;
      },

      async deleteKey(keyId) {
        const api = await deps.api();
        await api.manage("DELETE /connection-keys/:id", { params: { id: keyId } });
        await get().refresh();
      },

      async test(id) {
        const put = (t: ConnectionTestState) => set((s) => ({ tests: { ...s.tests, [id]: t } }));
        put({ running: true, result: get().tests[id]?.result });
        try {
          const api = await deps.api();
          // The server gives the upstream 10 s; leave room for the answer to come back.
          const result = await api.manage("POST /connections/:id/test", {
            params: { id },
            timeoutMs: 15_000,
          });
          put({ running: false, result });
        } catch (err) {
          put({ running: false, error: describeError(err) });
        }
      },

      reset() {
        latestList++;
        latestDetail.clear();
        set(initial);
      },
    };
  });
}

export const useConnectionsStore = createConnectionsStore({ api: appApi });
