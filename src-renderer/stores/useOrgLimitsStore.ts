import type { LedgerStatusDto, LimitsDto, LimitsViewDto } from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";
import type { ServerEvent } from "../api/serverEvents";
import { coalesce } from "../lib/coalesce";
import { useEventsStore } from "./useEventsStore";

export type OrgScope = "org" | "default";

export interface OrgLimitsState {
  /** The whole lab's limits. */
  org?: LimitsViewDto;
  /** Limits of members without their own value. */
  default?: LimitsViewDto;
  /** The whole lab's live counters. */
  status?: LedgerStatusDto;
  /** Routing category names, offered for access by category. */
  categories: string[];
  error?: string;
  refresh(): Promise<void>;
  put(scope: OrgScope, body: LimitsDto): Promise<LimitsViewDto>;
  follow(): () => void;
  reset(): void;
}

export interface OrgLimitsDeps {
  connect: () => Promise<ApiClient>;
  subscribe?: (prefixes: readonly string[], listener: (e: ServerEvent) => void) => () => void;
}

/** Org and default limits with the lab's spend against them (staff only). */
export function createOrgLimitsStore(deps: OrgLimitsDeps) {
  const subscribe = deps.subscribe ?? ((p, l) => useEventsStore.getState().subscribe(p, l));
  let generation = 0;
  const initial = {
    org: undefined,
    default: undefined,
    status: undefined,
    categories: [] as string[],
    error: undefined,
  };

  return create<OrgLimitsState>()((set, get) => {
    const load = coalesce(async () => {
      const gen = generation;
      try {
        const api = await deps.connect();
        const [org, def, status, categories] = await Promise.all([
          api.manage("GET /limits/org"),
          api.manage("GET /limits/default"),
          api.manage("GET /org/status"),
          // Only offered in the form: the limits still show when routing cannot be read.
          api
            .manage("GET /routing")
            .then((r) => r.categories.map((c) => c.name))
            .catch(() => get().categories),
        ]);
        if (gen === generation) set({ org, default: def, status, categories, error: undefined });
      } catch (err) {
        if (gen === generation) set({ error: describeError(err) });
      }
    });

    const loadStatus = coalesce(async () => {
      const gen = generation;
      try {
        const status = await (await deps.connect()).manage("GET /org/status");
        if (gen === generation) set({ status });
      } catch {
        // Kept; the next usage event tries again.
      }
    });

    return {
      ...initial,
      refresh: load,

      async put(scope, body) {
        const api = await deps.connect();
        const view =
          scope === "org"
            ? await api.manage("PUT /limits/org", { body })
            : await api.manage("PUT /limits/default", { body });
        set(scope === "org" ? { org: view } : { default: view });
        return view;
      },

      follow() {
        return subscribe(["limits.", "usage"], (e) => {
          if (e.type === "usage") void loadStatus();
          else if (e.member_id === null) void load();
        });
      },

      reset() {
        generation++;
        set(initial);
      },
    };
  });
}

export const useOrgLimitsStore = createOrgLimitsStore({ connect: appApi });
