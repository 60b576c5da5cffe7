import type {
  GuardDto,
  GuardPolicyDto,
  GuardTestBody,
  GuardTestDto,
  PutGuardPolicyBody,
  Role,
  SettingsDto,
} from "@contract";
import type { z } from "zod";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

/** A member a policy may be set for, or a dry run made as. */
export interface GuardMember {
  id: string;
  name: string;
  role: Role;
}

export interface GuardState {
  /** The org, member and model policies and the KeyVault's state (`GET /guard`). */
  guard?: GuardDto;
  /** Local model ids (`GET /models`): keep-local choices, and targets of model policies. */
  localModels: string[];
  /** Pool ids and alias ids: model policies may name them too. */
  pools: string[];
  aliases: string[];
  /** Members not deleted, by name (member policies, and "as whom" in the test box). */
  members: GuardMember[];
  /** The org's body retention in days (null: off), from `GET /settings`. */
  bodyRetentionDays?: number | null;
  loaded: boolean;
  /** Why the last read failed; cleared by the next success. */
  error?: string;
  refresh(): Promise<void>;
  saveOrg(body: PutGuardPolicyBody): Promise<GuardPolicyDto>;
  saveMember(id: string, body: PutGuardPolicyBody): Promise<GuardPolicyDto>;
  deleteMember(id: string): Promise<void>;
  saveModel(id: string, body: PutGuardPolicyBody): Promise<GuardPolicyDto>;
  deleteModel(id: string): Promise<void>;
  /** What the guard would do with a text (`POST /guard/test`): nothing is sent or stored. */
  test(body: z.input<typeof GuardTestBody>): Promise<GuardTestDto>;
  /** `PATCH /settings {body_retention_days}` (owner only). */
  saveBodyRetention(days: number | null): Promise<SettingsDto>;
  reset(): void;
}

export interface GuardStoreDeps {
  api: () => Promise<ApiClient>;
}

/**
 * Guardrails as the server last said (staff only: `GET /guard` is theirs), with the ids a policy
 * may name. Each write reads everything again: the server fills in what a PUT left out (absent
 * fields kept), so the page shows what is stored rather than what was sent.
 */
export function createGuardStore(deps: GuardStoreDeps) {
  let latest = 0;
  const initial = {
    guard: undefined,
    localModels: [] as string[],
    pools: [] as string[],
    aliases: [] as string[],
    members: [] as GuardMember[],
    bodyRetentionDays: undefined,
    loaded: false,
    error: undefined,
  };
  return create<GuardState>()((set, get) => {
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
          const [guard, models, pools, routing, members, settings] = await Promise.all([
            api.manage("GET /guard"),
            api.manage("GET /models"),
            api.manage("GET /pools"),
            api.manage("GET /routing"),
            api.manage("GET /members"),
            api.manage("GET /settings"),
          ]);
          if (call === latest)
            set({
              guard,
              localModels: models.data.map((m) => m.id).sort(),
              pools: pools.data.map((p) => p.id).sort(),
              aliases: routing.aliases.map((a) => a.id).sort(),
              members: members.data
                .filter((m) => m.status !== "deleted")
                .map((m) => ({ id: m.id, name: m.name, role: m.role }))
                .sort((a, b) => a.name.localeCompare(b.name)),
              bodyRetentionDays: settings.body_retention_days,
              loaded: true,
              error: undefined,
            });
        } catch (err) {
          if (call === latest) set({ error: describeError(err) });
        }
      },

      saveOrg: (body) => write((api) => api.manage("PUT /guard/org", { body })),

      saveMember: (id, body) =>
        write((api) => api.manage("PUT /guard/members/:id", { params: { id }, body })),

      async deleteMember(id) {
        await write((api) => api.manage("DELETE /guard/members/:id", { params: { id } }));
      },

      saveModel: (id, body) =>
        write((api) => api.manage("PUT /guard/models/*id", { params: { id }, body })),

      async deleteModel(id) {
        await write((api) => api.manage("DELETE /guard/models/*id", { params: { id } }));
      },

      async test(body) {
        const api = await deps.api();
        return api.manage("POST /guard/test", { body });
      },

      saveBodyRetention: (days) =>
        write((api) => api.manage("PATCH /settings", { body: { body_retention_days: days } })),

      reset() {
        latest++;
        set(initial);
      },
    };
  });
}

export const useGuardStore = createGuardStore({ api: appApi });
