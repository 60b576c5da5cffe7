import {
  GuardSummaryDto,
  GuardSummaryQuery,
  LatencyListDto,
  LatencyQuery,
  RequestLogCsvQuery,
  RequestLogPageDto,
  RequestLogQuery,
  UsagePageDto,
  UsageQuery,
  UsageSessionsPageDto,
  UsageSessionsQuery,
  type UsageBucketDto,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import { dayEndMs, dayStartMs, periodKeys } from "../../policy/periods.js";
import type { UsageGroupBy, UsageRange } from "../../store/usageQueries.js";
import { memberFilter } from "./access.js";
import { route, type Call, type ManageRoute } from "./routeTable.js";
import { streamRequestLogCsv } from "./usageCsv.js";

const HOUR_MS = 3_600_000;
/** Most buckets one query may span: a leap year of days, or 31 days of hours. */
const MAX_DAY_BUCKETS = 366;
const MAX_HOUR_BUCKETS = 31 * 24;

interface Bucket {
  key: string | number;
  start: number;
  end: number;
}

/**
 * The buckets covering [start, end), empty ones included (charts need the gaps). Day buckets
 * are the org time zone's calendar days: 23 to 25 hours across DST changes.
 */
function bucketsOf(kind: "day" | "hour", start: number, end: number, tz: string): Bucket[] {
  const out: Bucket[] = [];
  const max = kind === "day" ? MAX_DAY_BUCKETS : MAX_HOUR_BUCKETS;
  let t = kind === "day" ? dayStartMs(start, tz) : start - (start % HOUR_MS);
  while (t < end) {
    if (out.length === max)
      throw invalidRequest(
        `At most ${max} ${kind} buckets per query; narrow start_ms…end_ms.`,
        "start_ms",
      );
    const next = kind === "day" ? dayEndMs(t, tz) : t + HOUR_MS;
    out.push({ key: kind === "day" ? periodKeys(t, tz).day : t, start: t, end: next });
    t = next;
  }
  return out;
}

function usagePage(c: Call<UsageQuery>): UsagePageDto {
  const { query: q, deps } = c;
  const end = q.end_ms ?? c.now;
  if (end <= q.start_ms) throw invalidRequest("'end_ms' must be after 'start_ms'.", "end_ms");
  const filter = {
    memberId: memberFilter(c, q.member_id),
    model: q.model,
    provider: q.provider,
    category: q.category,
  };
  const groupBy = (q.group_by?.split(",") ?? []) as UsageGroupBy[];
  const timeZone = deps.ledger.timeZone();
  const buckets = bucketsOf(q.bucket, q.start_ms, end, timeZone);
  const first = buckets[0]!;
  const last = buckets[buckets.length - 1]!;
  // Day buckets select by each row's `day` (the day it was admitted in, whatever the zone is
  // now); hour buckets by admission instant.
  const range: UsageRange =
    q.bucket === "day"
      ? { bucket: "day", fromDay: String(first.key), toDay: String(last.key) }
      : { bucket: "hour", startMs: first.start, endMs: last.end };
  const data: UsageBucketDto[] = buckets.map((b) => ({
    start_ms: b.start,
    end_ms: b.end,
    results: [],
  }));
  const index = new Map(buckets.map((b, i) => [b.key, data[i]!]));
  for (const { bucket, ...sums } of deps.usage.grouped(range, filter, groupBy)) {
    // A day key the current zone never produces (the zone changed since) has no bucket here;
    // its rows still count in the totals.
    index.get(bucket)?.results.push(sums);
  }
  const inFlight = deps.usage.inFlight(range, filter);
  return {
    object: "page",
    time_zone: timeZone,
    data,
    totals: {
      ...deps.usage.totals(range, filter),
      in_flight_requests: inFlight.requests,
      reserved_micros: inFlight.reserved_micros,
    },
  };
}

/** The request log's filters as the usage queries take them (members: always their own). */
function logFilters(c: Call<RequestLogCsvQuery>) {
  const q = c.query;
  if (q.start_ms !== undefined && q.end_ms !== undefined && q.end_ms <= q.start_ms)
    throw invalidRequest("'end_ms' must be after 'start_ms'.", "end_ms");
  return {
    memberId: memberFilter(c, q.member_id),
    model: q.model,
    outcome: q.outcome,
    state: q.state,
    provider: q.provider,
    category: q.category,
    fallback: q.fallback === undefined ? undefined : q.fallback === "true",
    guarded: q.guarded === undefined ? undefined : q.guarded === "true",
    sessionId: q.session_id,
    startMs: q.start_ms,
    endMs: q.end_ms,
  };
}

/**
 * The period (`end_ms` defaults to now) and filters of a latency or guard query; members get
 * their own rows only.
 */
function periodQuery(c: Call<LatencyQuery>) {
  const q = c.query;
  const end = q.end_ms ?? c.now;
  if (end <= q.start_ms) throw invalidRequest("'end_ms' must be after 'start_ms'.", "end_ms");
  return {
    range: { startMs: q.start_ms, endMs: end },
    filter: {
      memberId: memberFilter(c, q.member_id),
      model: q.model,
      provider: q.provider,
      category: q.category,
    },
  };
}

/** `benchtop-requests-2026-06-01T120000Z.csv`: when the export was taken, in UTC. */
const csvFilename = (now: number) =>
  `benchtop-requests-${new Date(now).toISOString().slice(0, 19).replaceAll(":", "")}Z.csv`;

/** Usage charts, latency and the request log (members: their own only). */
export const usageRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/usage",
    access: "any",
    summary:
      "Settled usage and cost per day or hour, optionally per member, model, provider and route category",
    query: UsageQuery,
    response: UsagePageDto,
    handle: usagePage,
  }),
  route({
    method: "get",
    path: "/usage/requests",
    access: "any",
    summary: "The request log, newest first (metadata only)",
    query: RequestLogQuery,
    response: RequestLogPageDto,
    handle: (c) => {
      const q = c.query;
      const { rows, hasMore } = c.deps.usage.requests({
        ...logFilters(c),
        limit: q.limit,
        beforeMs: q.before_ms,
        beforeId: q.before_id,
      });
      return { object: "list", data: rows, has_more: hasMore };
    },
  }),
  route({
    method: "get",
    path: "/usage/requests.csv",
    access: "any",
    summary: "Every request log row matching the filters, as CSV (newest first)",
    query: RequestLogCsvQuery,
    response: "csv",
    // Filters are checked (and a member's 404 given) before the first byte is written.
    handle: (c) => streamRequestLogCsv(c.res, c.deps.usage, logFilters(c), csvFilename(c.now)),
  }),
  route({
    method: "get",
    path: "/usage/sessions",
    access: "any",
    summary:
      "Usage and cost per client session (Claude Code's session id, x-session-id) over a period",
    query: UsageSessionsQuery,
    response: UsageSessionsPageDto,
    handle: (c) => {
      const q = c.query;
      const end = q.end_ms ?? c.now;
      if (end <= q.start_ms) throw invalidRequest("'end_ms' must be after 'start_ms'.", "end_ms");
      const { sessions, hasMore } = c.deps.usage.sessions(
        { startMs: q.start_ms, endMs: end },
        { memberId: memberFilter(c, q.member_id) },
        q.limit,
      );
      return { object: "list", data: sessions, has_more: hasMore };
    },
  }),
  route({
    method: "get",
    path: "/usage/guard",
    access: "any",
    summary: "What the guard found and did over a period: secrets and PII per type, actions",
    query: GuardSummaryQuery,
    response: GuardSummaryDto,
    handle: (c) => {
      const { range, filter } = periodQuery(c);
      return c.deps.usage.guardSummary(range, filter);
    },
  }),
  route({
    method: "get",
    path: "/usage/latency",
    access: "any",
    summary: "Time to first token and total latency percentiles per model",
    query: LatencyQuery,
    response: LatencyListDto,
    handle: (c) => {
      const { range, filter } = periodQuery(c);
      return { object: "list", data: c.deps.usage.latency(range, filter) };
    },
  }),
];
