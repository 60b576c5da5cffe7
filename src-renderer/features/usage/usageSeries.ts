import type { UsagePageDto, UsageResultDto } from "@contract";

/**
 * Pure shaping of `GET /usage` answers (grouped by member, model, provider of record and route
 * category) into what the usage page draws: stacked chart series, top tables and the request
 * window.
 */

export type UsageRangeId = "day" | "week" | "month";
export type StackBy = "member" | "model" | "location" | "category";
export type Metric = "cost" | "tokens" | "requests";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Day: the last 24 hourly buckets; week and month: the last 7 and 30 days, daily buckets. */
export const RANGES: Record<UsageRangeId, { label: string; bucket: "hour" | "day" }> = {
  day: { label: "Day", bucket: "hour" },
  week: { label: "Week", bucket: "day" },
  month: { label: "Month", bucket: "day" },
};

/**
 * The `GET /usage` query of a range ending now. The server widens `start_ms` to the start of
 * its bucket (an org-time-zone day for day buckets), and its first bucket's start is then the
 * window the latency and the request log use, so all three count the same requests.
 */
export function usageQuery(range: UsageRangeId, now: number) {
  const start =
    range === "day"
      ? now - (now % HOUR_MS) - 23 * HOUR_MS
      : now - (range === "week" ? 6 : 29) * DAY_MS;
  return { start_ms: start, end_ms: now, bucket: RANGES[range].bucket };
}

/**
 * The key of requests without a route category: the API's own filter value for them (`-` is
 * never a category name).
 */
export const NO_CATEGORY = "-";

/**
 * Which stack a result belongs to: a member id, a model id, `local` / `remote` / `unknown`, or a
 * route category (NO_CATEGORY for requests without one).
 */
export function stackKey(r: UsageResultDto, by: StackBy): string {
  if (by === "member") return r.member_id ?? "unknown";
  if (by === "model") return r.model ?? "unknown";
  if (by === "category") return r.category ?? NO_CATEGORY;
  if (r.provider === "local") return "local";
  // No provider: requests never answered (settled at their worst case after a crash).
  return r.provider ? "remote" : "unknown";
}

export const LOCATION_LABELS: Record<string, string> = {
  local: "Local",
  remote: "Remote",
  unknown: "Unattributed",
};

/** A category stack's label: its name, or what requests without one are. */
export const categoryLabel = (key: string) => (key === NO_CATEGORY ? "No category" : key);

export function metricOf(r: UsageResultDto, metric: Metric): number {
  if (metric === "cost") return r.cost_micros;
  if (metric === "tokens") return r.prompt_tokens + r.completion_tokens;
  return r.requests;
}

/** Colours of the stacks, in order of size; the rest go into one grey "Other" stack. */
export const SERIES_COLORS = [
  "indigo.6",
  "teal.6",
  "orange.6",
  "grape.6",
  "cyan.6",
  "lime.7",
  "pink.6",
] as const;
export const OTHER_COLOR = "gray.5";
export const OTHER_KEY = "__other";

export interface ChartSeriesDef {
  /** Data key (`s0`, `s1`…: recharts reads dots in keys as paths, and model ids have dots). */
  name: string;
  /** The member name, model id or location it stands for. */
  label: string;
  color: string;
  /** The stack key (member id, model id, `local`…), or OTHER_KEY. */
  key: string;
  total: number;
}

export interface ChartShape {
  /** One row per bucket: `{ bucket: "14:00", s0: 12, s1: 0, … }`, every series present. */
  data: Record<string, string | number>[];
  series: ChartSeriesDef[];
}

export interface ChartOptions {
  labelFor: (key: string) => string;
  bucketLabel: (startMs: number) => string;
  /** Stacks shown on their own before the rest become "Other". Defaults to the colours' count. */
  maxSeries?: number;
  /**
   * Stack keys in colour order (see `stackOrder`): the i-th key gets the i-th colour, so charts
   * drawn with the same list colour a member or model alike. Defaults to this chart's own order.
   */
  colorKeys?: string[];
}

/**
 * Every stack key of the page, by cost, then tokens, then requests: one order for the colours
 * of all charts of the page (each chart still stacks by its own metric).
 */
export function stackOrder(page: UsagePageDto, by: StackBy): string[] {
  const sums = new Map<string, [number, number, number]>();
  for (const b of page.data)
    for (const r of b.results) {
      const k = stackKey(r, by);
      const sum = sums.get(k) ?? [0, 0, 0];
      sum[0] += metricOf(r, "cost");
      sum[1] += metricOf(r, "tokens");
      sum[2] += metricOf(r, "requests");
      sums.set(k, sum);
    }
  return [...sums.entries()]
    .sort(([ka, a], [kb, b]) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2] || ka.localeCompare(kb))
    .map(([k]) => k);
}

/** Colours of `keys`: their place in `colorKeys`, or the first colour no one else has. */
function seriesColors(keys: string[], colorKeys: string[] = keys): string[] {
  const fixed = new Map<string, string>();
  colorKeys.forEach((k, i) => {
    if (i < SERIES_COLORS.length) fixed.set(k, SERIES_COLORS[i]!);
  });
  const taken = new Set(keys.map((k) => fixed.get(k)));
  const spare = SERIES_COLORS.filter((c) => !taken.has(c));
  return keys.map(
    (k, i) => fixed.get(k) ?? spare.shift() ?? SERIES_COLORS[i % SERIES_COLORS.length]!,
  );
}

/**
 * One stacked chart: every bucket of the page (empty ones at 0), one series per stack, the
 * largest first; stacks past `maxSeries` are summed into "Other". Stacks whose total is 0 are
 * left out (a model used only at no cost draws nothing in the cost chart).
 */
export function chartShape(
  page: UsagePageDto,
  by: StackBy,
  metric: Metric,
  opts: ChartOptions,
): ChartShape {
  const max = opts.maxSeries ?? SERIES_COLORS.length;
  const totals = new Map<string, number>();
  for (const b of page.data)
    for (const r of b.results) {
      const k = stackKey(r, by);
      totals.set(k, (totals.get(k) ?? 0) + metricOf(r, metric));
    }
  const ranked = [...totals.entries()]
    .filter(([, total]) => total > 0)
    .map(([key, total]) => ({ key, total, label: opts.labelFor(key) }))
    .sort((x, y) => y.total - x.total || x.label.localeCompare(y.label));
  const shown = ranked.length > max ? ranked.slice(0, max - 1) : ranked;
  const rest = ranked.slice(shown.length);
  const colors = seriesColors(
    shown.map((s) => s.key),
    opts.colorKeys,
  );
  const series: ChartSeriesDef[] = shown.map((s, i) => ({
    ...s,
    name: `s${i}`,
    color: colors[i]!,
  }));
  if (rest.length > 0)
    series.push({
      key: OTHER_KEY,
      name: `s${shown.length}`,
      label: `Other (${rest.length})`,
      color: OTHER_COLOR,
      total: rest.reduce((s, r) => s + r.total, 0),
    });
  const nameOf = new Map(series.map((s) => [s.key, s.name]));
  const other = nameOf.get(OTHER_KEY);
  const data = page.data.map((b) => {
    const row: Record<string, string | number> = { bucket: opts.bucketLabel(b.start_ms) };
    for (const s of series) row[s.name] = 0;
    for (const r of b.results) {
      const name = nameOf.get(stackKey(r, by)) ?? other;
      if (name) row[name] = (row[name] as number) + metricOf(r, metric);
    }
    return row;
  });
  return { data, series };
}

export interface TopRow {
  key: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
}

/** Sums per member (or model) over the whole page, by cost, then tokens, then requests. */
export function topRows(page: UsagePageDto, by: "member" | "model", limit = 10): TopRow[] {
  const rows = new Map<string, TopRow>();
  for (const b of page.data)
    for (const r of b.results) {
      const key = stackKey(r, by);
      const row = rows.get(key) ?? {
        key,
        requests: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_micros: 0,
      };
      row.requests += r.requests;
      row.prompt_tokens += r.prompt_tokens;
      row.completion_tokens += r.completion_tokens;
      row.cost_micros += r.cost_micros;
      rows.set(key, row);
    }
  const tokens = (r: TopRow) => r.prompt_tokens + r.completion_tokens;
  return [...rows.values()]
    .sort(
      (x, y) =>
        y.cost_micros - x.cost_micros ||
        tokens(y) - tokens(x) ||
        y.requests - x.requests ||
        x.key.localeCompare(y.key),
    )
    .slice(0, limit);
}

/**
 * The model ids, providers of record and route categories seen in the page, sorted (for the
 * log's filters).
 */
export function seenValues(page: UsagePageDto | undefined): {
  models: string[];
  providers: string[];
  categories: string[];
} {
  const models = new Set<string>();
  const providers = new Set<string>();
  const categories = new Set<string>();
  for (const b of page?.data ?? [])
    for (const r of b.results) {
      if (r.model) models.add(r.model);
      if (r.provider && r.provider !== "local") providers.add(r.provider);
      if (r.category) categories.add(r.category);
    }
  return {
    models: [...models].sort(),
    providers: [...providers].sort(),
    categories: [...categories].sort(),
  };
}

/**
 * A bucket's label in the org's time zone: `14:00` for hours, `Mar 2` for days. `locale`
 * defaults to the browser's.
 */
export function bucketLabeller(
  bucket: "hour" | "day",
  timeZone: string,
  locale?: string,
): (startMs: number) => string {
  const format = new Intl.DateTimeFormat(
    locale,
    bucket === "hour"
      ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }
      : { month: "short", day: "numeric", timeZone },
  );
  return (ms) => format.format(ms);
}
