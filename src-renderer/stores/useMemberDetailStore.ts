import type {
  AddCreditsBody,
  AlertDto,
  ApiKeyDto,
  BillingMode,
  CreateKeyBody,
  CreatedKeyDto,
  CreditsDto,
  LimitsDto,
  LimitsViewDto,
  MemberBodyRetentionDto,
  MemberDto,
  MemberStatusDto,
  PatchMemberBody,
  PriceDto,
} from "@contract";
import { create } from "zustand";
import { ApiRequestError, describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";
import type { ServerEvent } from "../api/serverEvents";
import { coalesceByKey } from "../lib/coalesce";
import { ALERTS_LIMIT, requestsToday } from "./memberQueries";
import { useEventsStore } from "./useEventsStore";

/** The parts of the page, each fetched by its own call. */
export type DetailPart =
  | "member"
  | "status"
  | "limits"
  | "credits"
  | "keys"
  | "alerts"
  | "requests"
  | "prices"
  | "models"
  | "categories"
  | "bodyRetention";

export interface MemberDetailState {
  /** The member shown; undefined until `open`. */
  id?: string;
  member?: MemberDto;
  status?: MemberStatusDto;
  limits?: LimitsViewDto;
  credits?: CreditsDto;
  keys: ApiKeyDto[];
  alerts: AlertDto[];
  /** Settled requests in the org's current day. */
  requestsToday?: number;
  /** Model prices and who pays (staff only; empty for members, who may not read them). */
  prices: PriceDto[];
  /** Model ids the signed-in person's `/v1/models` lists (for the allow-list picker). */
  models: string[];
  /** Routing category names, for access by category (staff only: `GET /routing` is theirs). */
  categories: string[];
  /** How long the member's request bodies are kept (anyone may read their own). */
  bodyRetention?: MemberBodyRetentionDto;
  /** No such member, or not one the signed-in person may see. */
  notFound: boolean;
  /** Why the last load of a part failed. */
  error?: string;
  /** Shows member `id` (`staff`: also read prices) and loads everything. */
  open(id: string, opts: { staff: boolean }): Promise<void>;
  refresh(parts?: readonly DetailPart[]): Promise<void>;
  patch(body: PatchMemberBody): Promise<void>;
  remove(): Promise<void>;
  putLimits(body: LimitsDto): Promise<LimitsViewDto>;
  addCredits(body: AddCreditsBody): Promise<void>;
  /** Creates a key; the answer (with the plain key) goes to the caller and is never stored. */
  createKey(body: CreateKeyBody): Promise<CreatedKeyDto>;
  revokeKey(keyId: string): Promise<void>;
  /** Changes who pays for a priced model (for every member: prices are per model). */
  setBillingMode(price: PriceDto, mode: BillingMode): Promise<void>;
  /** The member's body retention override: null follows the org, 0 never, N days (owner only). */
  setBodyRetention(days: number | null): Promise<void>;
  follow(): () => void;
  reset(): void;
}

export interface MemberDetailDeps {
  connect: () => Promise<ApiClient>;
  subscribe?: (prefixes: readonly string[], listener: (e: ServerEvent) => void) => () => void;
  now?: () => number;
}

const ALL_PARTS: readonly DetailPart[] = [
  "member",
  "status",
  "limits",
  "credits",
  "keys",
  "alerts",
  "requests",
  "prices",
  "models",
  "categories",
  "bodyRetention",
];

/** What each live event touches on this page. */
function partsFor(e: ServerEvent): DetailPart[] {
  // Before `member.*`: an override changed; `settings.update` may change the org's, which
  // applies to every member without one.
  if (e.type === "member.body_retention" || e.type === "settings.update") return ["bodyRetention"];
  if (e.type.startsWith("member.")) return ["member", "keys"];
  if (e.type.startsWith("key.")) return ["keys"];
  if (e.type.startsWith("limits.")) return ["limits"];
  // A member-paid request debits credits as it settles.
  if (e.type === "usage") return ["status", "requests", "credits"];
  if (e.type === "alert") return ["alerts"];
  if (e.type.startsWith("credits.")) return ["credits", "status"];
  if (e.type.startsWith("price.")) return ["prices"];
  if (e.type.startsWith("category.")) return ["categories"];
  return [];
}

/** One member's page: profile, live counters, limits, credits, keys and alerts. */
export function createMemberDetailStore(deps: MemberDetailDeps) {
  const now = deps.now ?? Date.now;
  const subscribe = deps.subscribe ?? ((p, l) => useEventsStore.getState().subscribe(p, l));
  let staff = false;
  // Bumped by open/reset: answers for a member no longer shown are dropped.
  let generation = 0;

  const initial = {
    id: undefined,
    member: undefined,
    status: undefined,
    limits: undefined,
    credits: undefined,
    keys: [],
    alerts: [],
    requestsToday: undefined,
    prices: [],
    models: [],
    categories: [],
    bodyRetention: undefined,
    notFound: false,
    error: undefined,
  } satisfies Partial<MemberDetailState>;

  return create<MemberDetailState>()((set, get) => {
    async function fetchPart(api: ApiClient, id: string, part: DetailPart) {
      const params = { params: { id } };
      switch (part) {
        case "member":
          return { member: await api.manage("GET /members/:id", params) };
        case "status":
          return { status: await api.manage("GET /members/:id/status", params) };
        case "limits":
          return { limits: await api.manage("GET /members/:id/limits", params) };
        case "credits":
          return { credits: await api.manage("GET /members/:id/credits", params) };
        case "keys":
          return { keys: (await api.manage("GET /members/:id/keys", params)).data };
        case "alerts": {
          const query = { member_id: id, limit: ALERTS_LIMIT };
          return { alerts: (await api.manage("GET /alerts", { query })).data };
        }
        case "requests":
          return { requestsToday: (await requestsToday(api, now(), id))[id] ?? 0 };
        case "prices":
          return { prices: staff ? (await api.manage("GET /prices")).data : [] };
        case "models":
          return { models: (await api.listModels()).data.map((m) => m.id) };
        case "categories":
          return {
            categories: staff
              ? (await api.manage("GET /routing")).categories.map((c) => c.name)
              : [],
          };
        case "bodyRetention":
          return {
            bodyRetention: await api.manage("GET /members/:id/body-retention", params),
          };
      }
    }

    // One coalesced loader per part: a burst of usage events refetches each part at most twice.
    const loadPart = coalesceByKey(async (part) => {
      const { id } = get();
      if (!id) return;
      const gen = generation;
      try {
        const update = await fetchPart(await deps.connect(), id, part as DetailPart);
        if (gen === generation) set(update);
      } catch (err) {
        if (gen !== generation) return;
        if (part === "member" && err instanceof ApiRequestError && err.status === 404)
          set({ notFound: true });
        else set({ error: describeError(err) });
      }
    });

    const refresh = async (parts: readonly DetailPart[] = ALL_PARTS) => {
      await Promise.all(parts.map((p) => loadPart(p)));
    };

    async function call<T>(f: (api: ApiClient, id: string) => Promise<T>): Promise<T> {
      const { id } = get();
      if (!id) throw new Error("no member is open");
      return f(await deps.connect(), id);
    }

    return {
      ...initial,

      async open(id, opts) {
        generation++;
        staff = opts.staff;
        set({ ...initial, id });
        await refresh();
      },

      refresh,

      async patch(body) {
        const member = await call((api, id) =>
          api.manage("PATCH /members/:id", { params: { id }, body }),
        );
        set({ member });
      },

      async remove() {
        const member = await call((api, id) =>
          api.manage("DELETE /members/:id", { params: { id } }),
        );
        set({ member });
        void refresh(["keys"]);
      },

      async putLimits(body) {
        const limits = await call((api, id) =>
          api.manage("PUT /members/:id/limits", { params: { id }, body }),
        );
        set({ limits });
        return limits;
      },

      async addCredits(body) {
        const credits = await call((api, id) =>
          api.manage("POST /members/:id/credits", { params: { id }, body }),
        );
        set({ credits });
        void refresh(["status"]);
      },

      async createKey(body) {
        const created = await call((api, id) =>
          api.manage("POST /members/:id/keys", { params: { id }, body }),
        );
        // The list keeps the metadata only: the plain key stays with the caller.
        const { key: _plain, ...meta } = created;
        set((s) => ({ keys: [meta, ...s.keys.filter((k) => k.id !== meta.id)] }));
        return created;
      },

      async revokeKey(keyId) {
        const after = await call((api) =>
          api.manage("DELETE /keys/:id", { params: { id: keyId } }),
        );
        set((s) => ({ keys: s.keys.map((k) => (k.id === keyId ? after : k)) }));
      },

      async setBillingMode(price, mode) {
        // A PUT replaces the whole price: every rate goes back as it was, only who pays changes.
        const { model, ...rates } = price;
        const after = await call((api) =>
          api.manage("PUT /prices/*model", {
            params: { model },
            body: { ...rates, billing_mode: mode },
          }),
        );
        set((s) => ({ prices: s.prices.map((p) => (p.model === model ? after : p)) }));
      },

      async setBodyRetention(days) {
        const bodyRetention = await call((api, id) =>
          api.manage("PUT /members/:id/body-retention", {
            params: { id },
            body: { body_retention_days: days },
          }),
        );
        set({ bodyRetention });
      },

      follow() {
        return subscribe(
          [
            "member.",
            "key.",
            "limits.",
            "usage",
            "alert",
            "credits.",
            "price.",
            "category.",
            "settings.",
          ],
          (e) => {
            const { id } = get();
            // Org-wide events (member_id null) matter here for default limits, prices and
            // categories only.
            const mine = e.member_id === id;
            const orgWide = ["limits", "prices", "categories", "bodyRetention"];
            const parts = partsFor(e).filter(
              (p) => mine || (e.member_id === null && orgWide.includes(p)),
            );
            if (parts.length) void refresh(parts);
          },
        );
      },

      reset() {
        generation++;
        set(initial);
      },
    };
  });
}

export const useMemberDetailStore = createMemberDetailStore({ connect: appApi });
