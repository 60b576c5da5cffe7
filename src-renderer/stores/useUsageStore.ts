import type {
  GuardSummaryDto,
  ModelLatencyDto,
  RequestBodyDto,
  RequestLogCsvQuery,
  RequestLogEntryDto,
  UsageAuditQuery,
  UsagePageDto,
  UsageSessionDto,
} from "@contract";
import type { z } from "zod";
import { create } from "zustand";
import { ApiRequestError, describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";
import { manageUrl } from "../api/manageClient";
import {
  auditQuery,
  filenameOf,
  logQuery,
  type LogFilters,
} from "../features/usage/requestLogView";
import { usageQuery, type StackBy, type UsageRangeId } from "../features/usage/usageSeries";

/** Who is looking: staff see every member (and may filter by one); a member only themselves. */
export interface UsageViewer {
  staff: boolean;
  memberId: string;
  name: string;
}

interface Cursor {
  before_ms: number;
  before_id: string;
}

export interface RequestLogState {
  filters: LogFilters;
  rows: RequestLogEntryDto[];
  hasMore: boolean;
  /** The cursor of each page after the first, up to the current one (empty on page 1). */
  cursors: Cursor[];
  loading: boolean;
  error?: string;
}

export interface UsageState {
  viewer?: UsageViewer;
  range: UsageRangeId;
  stackBy: StackBy;
  /** `GET /usage` grouped by member, model, provider of record and route category. */
  page?: UsagePageDto;
  /** The instants the page covers (its first bucket's start to the query's end). */
  window?: { start_ms: number; end_ms: number };
  latency: ModelLatencyDto[];
  /** What the guard found and did in the window (`GET /usage/guard`). */
  guard?: GuardSummaryDto;
  /** Client sessions active in the window, most recent first (`GET /usage/sessions`). */
  sessions: UsageSessionDto[];
  /** More sessions were active than the page lists. */
  sessionsHasMore: boolean;
  /** Names by member id (staff: every listed member; a member: themselves). */
  memberNames: Record<string, string>;
  /** Connection names by id (staff only; members see "Remote"). */
  connectionNames: Record<string, string>;
  loading: boolean;
  error?: string;
  log: RequestLogState;
  /** Starts (or restarts) the page for `viewer`: names, then usage, latency and the log. */
  start(viewer: UsageViewer): Promise<void>;
  setRange(range: UsageRangeId): Promise<void>;
  setStackBy(stackBy: StackBy): void;
  /** Changes log filters (undefined clears one) and goes back to the log's first page. */
  setLogFilters(change: Partial<LogFilters>): Promise<void>;
  nextLogPage(): Promise<void>;
  prevLogPage(): Promise<void>;
  /** Reloads usage, latency and the log's current page (live updates call this). */
  refresh(): Promise<void>;
  /** The log as CSV with the current filters and window, fetched with the signed-in key. */
  exportCsv(): Promise<{ blob: Blob; filename: string }>;
  /**
   * The audit records (`GET /usage/audit`) of the window, for the log's member filter, as JSON
   * Lines or CSV, fetched with the signed-in key like the CSV.
   */
  exportAudit(format: "jsonl" | "csv"): Promise<{ blob: Blob; filename: string }>;
  /** A retained request body and its answer (`GET /usage/{id}/body`). */
  readBody(usageId: string): Promise<RequestBodyDto>;
  reset(): void;
}

export interface UsageStoreDeps {
  connect: () => Promise<ApiClient>;
  /** Defaults to `Date.now`. */
  now?: () => number;
  /** Rows per log page. Defaults to 25. */
  pageSize?: number;
}

const GROUP_BY = "member_id,model,provider,category";

export function createUsageStore(deps: UsageStoreDeps) {
  const now = deps.now ?? Date.now;
  const pageSize = deps.pageSize ?? 25;
  // Only the latest load of each kind writes: a slow answer never replaces a newer one.
  let usageSeq = 0;
  let logSeq = 0;

  const initialLog: RequestLogState = {
    filters: {},
    rows: [],
    hasMore: false,
    cursors: [],
    loading: false,
    error: undefined,
  };
  const initial = {
    viewer: undefined,
    range: "week" as UsageRangeId,
    stackBy: "model" as StackBy,
    page: undefined,
    window: undefined,
    latency: [],
    guard: undefined,
    sessions: [],
    sessionsHasMore: false,
    memberNames: {},
    connectionNames: {},
    loading: false,
    error: undefined,
    log: initialLog,
  } satisfies Partial<UsageState>;

  return create<UsageState>()((set, get) => {
    const setLog = (change: Partial<RequestLogState>) =>
      set((s) => ({ log: { ...s.log, ...change } }));

    /** The log page at the current cursor, within the current window. */
    async function loadLog(): Promise<void> {
      const seq = ++logSeq;
      const { log, window } = get();
      setLog({ loading: true });
      try {
        const api = await deps.connect();
        const cursor = log.cursors.at(-1);
        const res = await api.manage("GET /usage/requests", {
          query: { ...logQuery(log.filters, window), limit: pageSize, ...cursor },
        });
        if (seq !== logSeq) return;
        setLog({ rows: res.data, hasMore: res.has_more, loading: false, error: undefined });
      } catch (err) {
        if (seq === logSeq) setLog({ loading: false, error: describeError(err) });
      }
    }

    /** Usage first (its buckets fix the window), then latency and the log in that window. */
    async function loadAll(): Promise<void> {
      const seq = ++usageSeq;
      const { range } = get();
      set({ loading: true });
      try {
        const api = await deps.connect();
        const q = usageQuery(range, now());
        const page = await api.manage("GET /usage", { query: { ...q, group_by: GROUP_BY } });
        if (seq !== usageSeq) return;
        const window = { start_ms: page.data[0]?.start_ms ?? q.start_ms, end_ms: q.end_ms };
        set({ page, window });
        const [latency, guard, sessions] = await Promise.all([
          api.manage("GET /usage/latency", { query: window }),
          api.manage("GET /usage/guard", { query: window }),
          api.manage("GET /usage/sessions", { query: window }),
          loadLog(),
        ]);
        if (seq !== usageSeq) return;
        set({
          latency: latency.data,
          guard,
          sessions: sessions.data,
          sessionsHasMore: sessions.has_more,
          loading: false,
          error: undefined,
        });
      } catch (err) {
        if (seq === usageSeq) set({ loading: false, error: describeError(err) });
      }
    }

    /** Names for the charts and tables; failures leave ids showing. */
    async function loadNames(viewer: UsageViewer): Promise<void> {
      if (!viewer.staff) {
        set({ memberNames: { [viewer.memberId]: viewer.name }, connectionNames: {} });
        return;
      }
      const api = await deps.connect();
      const [members, connections] = await Promise.allSettled([
        api.manage("GET /members"),
        api.manage("GET /connections"),
      ]);
      set({
        memberNames:
          members.status === "fulfilled"
            ? Object.fromEntries(members.value.data.map((m) => [m.id, m.name]))
            : { [viewer.memberId]: viewer.name },
        connectionNames:
          connections.status === "fulfilled"
            ? Object.fromEntries(connections.value.data.map((c) => [c.id, c.name]))
            : {},
      });
    }

    /**
     * A file from the management API, fetched with the signed-in key in a header (never in a
     * URL) and handed back as a Blob with the name the server gave it.
     */
    async function download(
      path: string,
      query: Record<string, unknown>,
      accept: string,
      fallbackName: string,
    ): Promise<{ blob: Blob; filename: string }> {
      const api = await deps.connect();
      const res = await api.fetchRaw(manageUrl(path, {}, query), {
        method: "GET",
        headers: { accept },
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as
          { error?: { message?: string } } | undefined;
        throw new ApiRequestError(
          "http",
          `Export failed: ${res.status} ${body?.error?.message ?? res.statusText}`.trim(),
          res.status,
        );
      }
      const filename = filenameOf(res.headers.get("content-disposition"), fallbackName);
      return { blob: await res.blob(), filename };
    }

    return {
      ...initial,

      async start(viewer) {
        usageSeq++;
        logSeq++;
        set({
          ...initial,
          viewer,
          range: get().range,
          // Stacking by member shows a member nothing but themselves.
          stackBy: viewer.staff ? get().stackBy : "model",
        });
        await Promise.all([loadNames(viewer).catch(() => undefined), loadAll()]);
      },

      async setRange(range) {
        set((s) => ({ range, log: { ...s.log, cursors: [] } }));
        await loadAll();
      },

      setStackBy(stackBy) {
        set({ stackBy });
      },

      async setLogFilters(change) {
        const filters = { ...get().log.filters, ...change };
        for (const k of Object.keys(filters) as (keyof LogFilters)[])
          if (!filters[k]) delete filters[k];
        // A member never filters by member: the server scopes them anyway.
        if (!get().viewer?.staff) delete filters.member;
        setLog({ filters, cursors: [] });
        await loadLog();
      },

      async nextLogPage() {
        const { rows, hasMore, cursors } = get().log;
        const last = rows.at(-1);
        if (!hasMore || !last) return;
        setLog({ cursors: [...cursors, { before_ms: last.created_ms, before_id: last.id }] });
        await loadLog();
      },

      async prevLogPage() {
        const { cursors } = get().log;
        if (cursors.length === 0) return;
        setLog({ cursors: cursors.slice(0, -1) });
        await loadLog();
      },

      refresh: loadAll,

      async exportCsv() {
        const { log, window } = get();
        const query: RequestLogCsvQuery = logQuery(log.filters, window);
        return download("/usage/requests.csv", query, "text/csv", "requests.csv");
      },

      async exportAudit(format) {
        const { log, window } = get();
        const query: z.input<typeof UsageAuditQuery> = auditQuery(format, log.filters, window);
        const accept = format === "csv" ? "text/csv" : "application/x-ndjson";
        return download("/usage/audit", query, accept, `audit.${format}`);
      },

      async readBody(usageId) {
        const api = await deps.connect();
        return api.manage("GET /usage/:id/body", { params: { id: usageId } });
      },

      reset() {
        usageSeq++;
        logSeq++;
        set(initial);
      },
    };
  });
}

export const useUsageStore = createUsageStore({ connect: appApi });
