import type { RequestLogCsvQuery, RequestLogEntryDto, UsageAuditQuery } from "@contract";
import type { z } from "zod";

/**
 * The request log's filters as the page holds them, and how rows read on screen. Absent fields
 * mean "any".
 */
export interface LogFilters {
  /** Staff only: the server scopes a member to their own rows whatever is sent. */
  member?: string;
  model?: string;
  status?: LogStatus;
  /** `local`, `remote` or a connection id. */
  provider?: string;
  /** A route category, or `-` for requests without one. */
  category?: string;
  /** `true`: requests that failed over to another target; `false`: the others. */
  fallback?: "true" | "false";
  /** `true`: requests in which the guard found secrets or PII (or kept local); `false`: the others. */
  guarded?: "true" | "false";
  /** One client session's requests (its `session_id`). */
  session?: string;
}

export type LogStatus = "ok" | "error" | "aborted" | "in_flight";

export const STATUS_OPTIONS: { value: LogStatus; label: string }[] = [
  { value: "ok", label: "OK" },
  { value: "error", label: "Error" },
  { value: "aborted", label: "Aborted" },
  { value: "in_flight", label: "In flight" },
];

export const FALLBACK_OPTIONS = [
  { value: "true", label: "Failed over" },
  { value: "false", label: "Direct" },
] as const;

export const GUARDED_OPTIONS = [
  { value: "true", label: "Found something" },
  { value: "false", label: "Nothing found" },
] as const;

/** The query of `GET /usage/requests` (and of its CSV) for these filters within a window. */
export function logQuery(
  filters: LogFilters,
  window: { start_ms: number; end_ms: number } | undefined,
): RequestLogCsvQuery {
  const q: RequestLogCsvQuery = {};
  if (window) {
    q.start_ms = window.start_ms;
    q.end_ms = window.end_ms;
  }
  if (filters.member) q.member_id = filters.member;
  if (filters.model) q.model = filters.model;
  if (filters.status === "in_flight") q.state = "reserved";
  else if (filters.status) q.outcome = filters.status;
  if (filters.provider) q.provider = filters.provider;
  if (filters.category) q.category = filters.category;
  if (filters.fallback) q.fallback = filters.fallback;
  if (filters.guarded) q.guarded = filters.guarded;
  if (filters.session) q.session_id = filters.session;
  return q;
}

/**
 * The query of the audit export (`GET /usage/audit`) for the page's window and member filter
 * (its other filters do not apply: the audit record is every attempt of the period).
 */
export function auditQuery(
  format: "jsonl" | "csv",
  filters: LogFilters,
  window: { start_ms: number; end_ms: number } | undefined,
): z.input<typeof UsageAuditQuery> {
  const q: z.input<typeof UsageAuditQuery> = { format };
  if (window) {
    q.from = String(window.start_ms);
    q.to = String(window.end_ms);
  }
  if (filters.member) q.member_id = filters.member;
  return q;
}

/** What a row's status reads as, and its badge colour. */
export function rowStatus(r: RequestLogEntryDto): { label: string; color: string } {
  if (r.state === "reserved") return { label: "In flight", color: "blue" };
  if (r.outcome === "ok") return { label: "OK", color: "green" };
  if (r.outcome === "aborted") return { label: "Aborted", color: "yellow" };
  const detail = r.http_status ?? r.error_code;
  return { label: detail ? `Error ${detail}` : "Error", color: "red" };
}

/**
 * Where a routed request went, for the log's Route cell: `code → tiny` (the category, then the
 * model that served it), `→ tiny` for a route without a category; null for a model named
 * directly (`route_tokens` is only ever null then). `detail` says how it was decided and what was
 * passed over first.
 */
export function routeView(r: RequestLogEntryDto): { route: string; detail: string[] } | null {
  if (r.route_tokens === null && r.route_category === null && r.fallback === null) return null;
  const served = r.served_model ?? "—";
  const detail: string[] = [];
  if (r.route_classifier)
    detail.push(`${r.route_classifier} classifier · ${formatCount(r.route_tokens)} tokens`);
  if (r.fallback?.length) detail.push(`passed over: ${r.fallback.join(", ")}`);
  return { route: `${r.route_category ?? ""} → ${served}`.trim(), detail };
}

/** `Local`, the connection's name (staff know it), or `Remote` (members do not). */
export function providerLabel(
  provider: string | null,
  connectionNames: Record<string, string>,
): string {
  if (provider === "local") return "Local";
  if (!provider) return "—";
  return connectionNames[provider] ?? "Remote";
}

/** `1,234` with the browser's grouping; `—` for a missing number. */
/** A session id as a table shows it: long ids (UUIDs) shortened to their first 8 characters. */
export const shortSession = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

export const formatCount = (n: number | null | undefined) =>
  n === null || n === undefined ? "—" : n.toLocaleString();

/** `850 ms`, `2.4 s`; `—` for none. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `attachment; filename="x.csv"` → `x.csv`; the fallback when there is none. */
export function filenameOf(contentDisposition: string | null, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(contentDisposition ?? "");
  return m?.[1] ?? fallback;
}
