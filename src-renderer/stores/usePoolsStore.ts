import type { PoolDto, PriceBody, PriceDto, PutPoolBody } from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

export interface PoolsState {
  /** Every pool with its targets and each target's live health (one entry per key). */
  pools: PoolDto[];
  /** Every model with a price set; a pool without one costs its catalog default. */
  prices: PriceDto[];
  loaded: boolean;
  /** Why the last read failed; cleared by the next success. */
  error?: string;
  /** When the last read finished (ms since the epoch), for "updated … ago". */
  checkedAt?: number;
  /** Reads pools and prices again. */
  refresh(): Promise<void>;
  /** Creates or replaces the pool serving model id `id`. */
  save(id: string, body: PutPoolBody): Promise<PoolDto>;
  remove(id: string): Promise<void>;
  setPrice(model: string, body: PriceBody): Promise<PriceDto>;
  /** Removes a set price: a pool falls back to its catalog default. */
  deletePrice(model: string): Promise<void>;
  reset(): void;
}

export interface PoolsStoreDeps {
  api: () => Promise<ApiClient>;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Pools and model prices as the server last said. Health lives in the pool answers, so a poll
 * of `GET /pools` is also the live-health refresh of every target.
 */
export function createPoolsStore(deps: PoolsStoreDeps) {
  const now = deps.now ?? Date.now;
  let latest = 0;
  const initial = {
    pools: [] as PoolDto[],
    prices: [] as PriceDto[],
    loaded: false,
    error: undefined as string | undefined,
    checkedAt: undefined as number | undefined,
  };
  return create<PoolsState>()((set, get) => ({
    ...initial,

    async refresh() {
      const call = ++latest;
      try {
        const api = await deps.api();
        const [pools, prices] = await Promise.all([
          api.manage("GET /pools"),
          api.manage("GET /prices"),
        ]);
        if (call === latest)
          set({
            pools: pools.data,
            prices: prices.data,
            loaded: true,
            error: undefined,
            checkedAt: now(),
          });
      } catch (err) {
        if (call === latest) set({ error: describeError(err) });
      }
    },

    async save(id, body) {
      const api = await deps.api();
      const pool = await api.manage("PUT /pools/*id", { params: { id }, body });
      await get().refresh();
      return pool;
    },

    async remove(id) {
      const api = await deps.api();
      await api.manage("DELETE /pools/*id", { params: { id } });
      await get().refresh();
    },

    async setPrice(model, body) {
      const api = await deps.api();
      const price = await api.manage("PUT /prices/*model", { params: { model }, body });
      await get().refresh();
      return price;
    },

    async deletePrice(model) {
      const api = await deps.api();
      await api.manage("DELETE /prices/*model", { params: { model } });
      await get().refresh();
    },

    reset() {
      latest++;
      set(initial);
    },
  }));
}

export const usePoolsStore = createPoolsStore({ api: appApi });
