import type { AuditEntryDto, AuditVerifyDto } from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";

/** Rows per page of the audit view. */
export const AUDIT_PAGE_SIZE = 25;

export interface AuditState {
  /** The page shown, newest first. */
  entries: AuditEntryDto[];
  hasMore: boolean;
  /** `before_seq` of each page after the first, up to the current one (empty on page 1). */
  cursors: number[];
  loading: boolean;
  error?: string;
  /** Member names by id, for the actor column (staff may list members; ids otherwise). */
  names: Record<string, string>;
  /** The last `GET /audit/verify`. */
  verification?: AuditVerifyDto;
  verifying: boolean;
  verifyError?: string;
  /** Loads the first page (and the names). */
  loadFirst(): Promise<void>;
  /** Reloads the page shown (a new row only shows on the first page). */
  reload(): Promise<void>;
  nextPage(): Promise<void>;
  prevPage(): Promise<void>;
  /** Walks the hash chain on the server. */
  verify(): Promise<void>;
  reset(): void;
}

export interface AuditStoreDeps {
  connect: () => Promise<ApiClient>;
  /** Rows per page. Defaults to `AUDIT_PAGE_SIZE`. */
  pageSize?: number;
}

/** The admin audit trail as the renderer last read it; the server is the truth. */
export function createAuditStore(deps: AuditStoreDeps) {
  const pageSize = deps.pageSize ?? AUDIT_PAGE_SIZE;
  // Only the latest read may write: paging fast must not show an older page last.
  let latestRead = 0;
  const initial = {
    entries: [] as AuditEntryDto[],
    hasMore: false,
    cursors: [] as number[],
    loading: false,
    error: undefined,
    names: {} as Record<string, string>,
    verification: undefined,
    verifying: false,
    verifyError: undefined,
  };

  return create<AuditState>()((set, get) => {
    async function load(cursors: number[]) {
      const read = ++latestRead;
      set({ loading: true });
      try {
        const api = await deps.connect();
        const before = cursors.at(-1);
        const page = await api.manage("GET /audit", {
          query: { limit: pageSize, ...(before !== undefined ? { before_seq: before } : {}) },
        });
        if (read !== latestRead) return;
        set({
          entries: page.data,
          hasMore: page.has_more,
          cursors,
          loading: false,
          error: undefined,
        });
      } catch (err) {
        if (read === latestRead) set({ loading: false, error: describeError(err) });
      }
    }

    return {
      ...initial,

      async loadFirst() {
        const names = (async () => {
          try {
            const members = await (await deps.connect()).manage("GET /members");
            set({ names: Object.fromEntries(members.data.map((m) => [m.id, m.name])) });
          } catch {
            // Names are a nicety: the actor column falls back to ids.
          }
        })();
        await Promise.all([load([]), names]);
      },

      reload: () => load(get().cursors),

      async nextPage() {
        const last = get().entries.at(-1);
        if (!get().hasMore || !last) return;
        await load([...get().cursors, last.seq]);
      },

      async prevPage() {
        await load(get().cursors.slice(0, -1));
      },

      async verify() {
        set({ verifying: true, verifyError: undefined });
        try {
          const verification = await (await deps.connect()).manage("GET /audit/verify");
          set({ verification, verifying: false });
        } catch (err) {
          set({ verifying: false, verifyError: describeError(err) });
        }
      },

      reset() {
        latestRead++;
        set(initial);
      },
    };
  });
}

export const useAuditStore = createAuditStore({ connect: appApi });
