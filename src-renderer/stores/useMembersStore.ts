import type {
  AlertDto,
  CreateMemberBody,
  EffectiveLimitsDto,
  MemberDto,
  MemberStatusDto,
} from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";
import type { ServerEvent } from "../api/serverEvents";
import { coalesce, coalesceByKey } from "../lib/coalesce";
import { ALERTS_LIMIT, requestsToday } from "./memberQueries";
import { useEventsStore } from "./useEventsStore";

export interface MembersState {
  /** Active and disabled members, as `GET /members` lists them. */
  members: MemberDto[];
  /** Live counters per member id (`GET /members/:id/status`). */
  status: Record<string, MemberStatusDto>;
  /** Limits that apply per member id, after inheritance. */
  effective: Record<string, EffectiveLimitsDto>;
  /** Settled requests in the org's current day per member id (absent: none). */
  requestsToday: Record<string, number>;
  /** Spend alerts, newest first (org-wide ones included). */
  alerts: AlertDto[];
  /** False until the first full load finished. */
  loaded: boolean;
  /** Why the last load failed. */
  error?: string;
  /** Reloads everything. */
  refresh(): Promise<void>;
  /** Reloads one member's counters, limits and today's requests. */
  refreshMember(id: string): Promise<void>;
  createMember(body: CreateMemberBody): Promise<MemberDto>;
  setStatus(id: string, status: "active" | "disabled"): Promise<void>;
  deleteMember(id: string): Promise<void>;
  /** Refetches what live events touch until the returned function is called. */
  follow(): () => void;
  /** Forgets everything (on leaving the page, so the next person signed in sees none of it). */
  reset(): void;
}

export interface MembersStoreDeps {
  connect: () => Promise<ApiClient>;
  /** Defaults to the app's event stream. */
  subscribe?: (prefixes: readonly string[], listener: (e: ServerEvent) => void) => () => void;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/** Events that change what the members table shows. */
const EVENT_PREFIXES = ["member.", "limits.", "usage", "alert"] as const;

/** The members table for staff (owner, admin, viewer): one row per member with live numbers. */
export function createMembersStore(deps: MembersStoreDeps) {
  const now = deps.now ?? Date.now;
  const subscribe = deps.subscribe ?? ((p, l) => useEventsStore.getState().subscribe(p, l));
  // Each fetch takes a ticket when it starts; a member's numbers are written only by a fetch
  // that started after the one that wrote them last, so a slow answer never undoes a newer one.
  let ticket = 0;
  const written = new Map<string, number>();
  let generation = 0;

  const initial = {
    members: [],
    status: {},
    effective: {},
    requestsToday: {},
    alerts: [],
    loaded: false,
    error: undefined,
  } satisfies Partial<MembersState>;

  return create<MembersState>()((set, get) => {
    const fresh = (key: string, t: number) => {
      if ((written.get(key) ?? 0) > t) return false;
      written.set(key, t);
      return true;
    };

    async function loadMember(api: ApiClient, id: string, t: number, gen: number) {
      const [status, limits, requests] = await Promise.all([
        api.manage("GET /members/:id/status", { params: { id } }),
        api.manage("GET /members/:id/limits", { params: { id } }),
        requestsToday(api, now(), id),
      ]);
      if (gen !== generation || !fresh(id, t)) return;
      set((s) => ({
        status: { ...s.status, [id]: status },
        effective: { ...s.effective, [id]: limits.effective },
        requestsToday: { ...s.requestsToday, [id]: requests[id] ?? 0 },
      }));
    }

    const loadAll = coalesce(async () => {
      const gen = generation;
      const t = ++ticket;
      try {
        const api = await deps.connect();
        const [list, alerts] = await Promise.all([
          api.manage("GET /members"),
          api.manage("GET /alerts", { query: { limit: ALERTS_LIMIT } }),
        ]);
        if (gen !== generation) return;
        set({ members: list.data, alerts: alerts.data });
        await Promise.all(list.data.map((m) => loadMember(api, m.id, t, gen)));
        if (gen === generation) set({ loaded: true, error: undefined });
      } catch (err) {
        if (gen === generation) set({ loaded: true, error: describeError(err) });
      }
    });

    const loadOne = coalesceByKey(async (id) => {
      const gen = generation;
      const t = ++ticket;
      try {
        await loadMember(await deps.connect(), id, t, gen);
      } catch {
        // A member deleted meanwhile, or the server briefly away: the next event or refresh tells.
      }
    });

    const loadList = coalesce(async () => {
      const gen = generation;
      try {
        const list = await (await deps.connect()).manage("GET /members");
        if (gen === generation) set({ members: list.data });
      } catch (err) {
        if (gen === generation) set({ error: describeError(err) });
      }
    });

    const loadAlerts = coalesce(async () => {
      const gen = generation;
      try {
        const api = await deps.connect();
        const alerts = await api.manage("GET /alerts", { query: { limit: ALERTS_LIMIT } });
        if (gen === generation) set({ alerts: alerts.data });
      } catch {
        // Kept as they were; the next alert event tries again.
      }
    });

    function onEvent(e: ServerEvent) {
      if (e.type.startsWith("member.")) {
        void loadList();
        if (e.member_id) void loadOne(e.member_id);
      } else if (e.type.startsWith("limits.")) {
        // Org-wide limits (`default`) change every member's effective limits.
        if (e.member_id) void loadOne(e.member_id);
        else for (const m of get().members) void loadOne(m.id);
      } else if (e.type === "usage") {
        if (e.member_id) void loadOne(e.member_id);
      } else if (e.type === "alert") {
        void loadAlerts();
      }
    }

    return {
      ...initial,
      refresh: loadAll,
      refreshMember: loadOne,

      async createMember(body) {
        const api = await deps.connect();
        const created = await api.manage("POST /members", { body });
        set((s) => ({
          members: s.members.some((m) => m.id === created.id) ? s.members : [...s.members, created],
        }));
        void loadOne(created.id);
        return created;
      },

      async setStatus(id, status) {
        const api = await deps.connect();
        const after = await api.manage("PATCH /members/:id", { params: { id }, body: { status } });
        set((s) => ({ members: s.members.map((m) => (m.id === id ? after : m)) }));
      },

      async deleteMember(id) {
        const api = await deps.connect();
        await api.manage("DELETE /members/:id", { params: { id } });
        // `GET /members` lists active and disabled members only.
        set((s) => ({ members: s.members.filter((m) => m.id !== id) }));
      },

      follow() {
        return subscribe(EVENT_PREFIXES, onEvent);
      },

      reset() {
        generation++;
        written.clear();
        set(initial);
      },
    };
  });
}

export const useMembersStore = createMembersStore({ connect: appApi });
