import { z } from "zod";
import { QueryInt, SignedMicros, TimeMs } from "./common.js";
import { GuardRecordDto } from "./usageAudit.js";

const Count = z.number().int().nonnegative();

/**
 * The provider of record to narrow to: `local` (this machine's engine), `remote` (any
 * connection a pool attempt went to) or one connection's id (`con_…`).
 */
const ProviderFilter = z
  .string()
  .regex(/^(local|remote|con_[A-Za-z0-9]+)$/, "local, remote or a connection id (con_…)");

/**
 * The route category to narrow to (what `auto` classified a request into, or an alias's first
 * category), or `-` for requests without one (a model named directly, an alias without
 * categories). `-` is never a category name, so it cannot be taken for one.
 */
const CategoryFilter = z
  .string()
  .regex(/^(-|[a-z][a-z0-9_-]{0,31})$/, "a category name, or - for requests without one");

/** The columns usage can be grouped by. */
const GROUPS = "member_id|model|provider|category";

/**
 * `GET /manage/v1/usage` query, in the spirit of OpenAI's organization usage API. Day buckets
 * are the org time zone's calendar days (the day each request was admitted in); hour buckets
 * are UTC-aligned hours of the admission instant. `end_ms` defaults to now.
 */
export const UsageQuery = z.strictObject({
  start_ms: QueryInt(0, Number.MAX_SAFE_INTEGER),
  end_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  /** Defaults to `day`. */
  bucket: z.enum(["day", "hour"]).default("day"),
  /**
   * Comma-separated: any of `member_id`, `model`, `provider` (the provider of record) and
   * `category` (the route category; null for requests without one).
   */
  group_by: z
    .string()
    .regex(
      new RegExp(`^(${GROUPS})(,(${GROUPS})){0,3}$`),
      "a comma list of member_id, model, provider and category",
    )
    .optional(),
  member_id: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  provider: ProviderFilter.optional(),
  category: CategoryFilter.optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Settled usage (cost in micro-dollars) of one group in one bucket. */
export const UsageResultDto = z.object({
  member_id: z.string().optional(),
  model: z.string().optional(),
  /** `local`, a connection id, or null for rows never answered (settled after a crash). */
  provider: z.string().nullable().optional(),
  /** The route category; null for requests without one. */
  category: z.string().nullable().optional(),
  requests: Count,
  prompt_tokens: Count,
  completion_tokens: Count,
  cached_tokens: Count,
  cost_micros: SignedMicros,
  /** Requests whose tokens were estimated rather than reported. */
  estimated_requests: Count,
});
export type UsageResultDto = z.infer<typeof UsageResultDto>;

export const UsageBucketDto = z.object({
  start_ms: TimeMs,
  end_ms: TimeMs,
  results: z.array(UsageResultDto),
});
export type UsageBucketDto = z.infer<typeof UsageBucketDto>;

export const UsageTotalsDto = UsageResultDto.omit({
  member_id: true,
  model: true,
  provider: true,
  category: true,
}).extend({
  /** Requests admitted in the range and still running. */
  in_flight_requests: Count,
  /** Worst-case cost those requests hold against budgets; not part of `cost_micros`. */
  reserved_micros: SignedMicros,
});
export type UsageTotalsDto = z.infer<typeof UsageTotalsDto>;

/** Every bucket of the range, empty ones included, oldest first. */
export const UsagePageDto = z.object({
  object: z.literal("page"),
  /** The org time zone day buckets follow (IANA), for labelling them. */
  time_zone: z.string(),
  data: z.array(UsageBucketDto),
  totals: UsageTotalsDto,
});
export type UsagePageDto = z.infer<typeof UsagePageDto>;

/** `GET /manage/v1/usage/requests` query. Page with `before_ms` + `before_id` of the last row. */
const RequestLogFilters = {
  member_id: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  outcome: z.enum(["ok", "aborted", "error"]).optional(),
  state: z.enum(["reserved", "settled", "released"]).optional(),
  provider: ProviderFilter.optional(),
  category: CategoryFilter.optional(),
  /**
   * `true`: only attempts of requests that failed over to another target (a later attempt, or a
   * route that went past a target before answering); `false`: the rest.
   */
  fallback: z.enum(["true", "false"]).optional(),
  /** Admission instants in [start_ms, end_ms). */
  start_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  end_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  /**
   * `true`: only requests in which the guard found secrets or PII (or kept local); `false`:
   * the others.
   */
  guarded: z.enum(["true", "false"]).optional(),
  /** Only the rows of this client session id (see `GET /usage/sessions`). */
  session_id: z.string().min(1).max(128).optional(),
};

export const RequestLogQuery = z.strictObject({
  ...RequestLogFilters,
  /** Defaults to 50. */
  limit: QueryInt(1, 500).default(50),
  before_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  before_id: z.string().min(1).optional(),
});
export type RequestLogQuery = z.infer<typeof RequestLogQuery>;

/** `GET /manage/v1/usage/requests.csv` query: the request log's filters, every matching row. */
export const RequestLogCsvQuery = z.strictObject(RequestLogFilters);
export type RequestLogCsvQuery = z.infer<typeof RequestLogCsvQuery>;

/** One request attempt from the usage ledger (metadata only: prompts are never stored). */
export const RequestLogEntryDto = z.object({
  id: z.string(),
  request_id: z.string(),
  attempt: z.number().int(),
  member_id: z.string(),
  key_id: z.string().nullable(),
  endpoint: z.string(),
  model: z.string(),
  served_model: z.string().nullable(),
  provider: z.string().nullable(),
  billing_mode: z.enum(["org", "member"]),
  stream: z.boolean(),
  state: z.enum(["reserved", "settled", "released"]),
  created_ms: TimeMs,
  prompt_tokens: Count.nullable(),
  completion_tokens: Count.nullable(),
  /** Prompt tokens read from a cache (charged at the price's cache-read rate). */
  cached_tokens: Count.nullable(),
  /**
   * Prompt tokens written to an upstream's cache (Anthropic's cache_creation_input_tokens),
   * charged at the cache-write rate; null on rows settled before it was recorded.
   */
  cache_write_tokens: Count.nullable(),
  cost_micros: SignedMicros.nullable(),
  reserved_micros: SignedMicros,
  usage_source: z.string().nullable(),
  estimated: z.boolean(),
  outcome: z.string().nullable(),
  error_code: z.string().nullable(),
  http_status: z.number().int().nullable(),
  ttft_ms: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  /** The route category (`auto`'s classification, or an alias's first category); null: none. */
  route_category: z.string().nullable(),
  /** The classifier that chose it (`grammar`, `knn`); null when nothing classified. */
  route_classifier: z.string().nullable(),
  /** Tokens the classifier used; null for requests that were not routed. */
  route_tokens: Count.nullable(),
  /**
   * A route's targets passed over before the one that answered, as `target: error_code`, in
   * order (set on the answering attempt); null: none.
   */
  fallback: z.array(z.string()).nullable(),
  /** What the guard step found and did (counts per type, never values); null: no guard ran. */
  guard: GuardRecordDto.nullable(),
  /** The model version served (local: `<file> sha256:<hex>`; remote: the upstream's string). */
  model_version: z.string().nullable(),
  /** Whether this request's body is retained (GET /usage/{id}/body). */
  body_retained: z.boolean(),
  /**
   * The client's session id (Claude Code's `x-claude-code-session-id`, else `x-session-id`):
   * client-supplied text, control characters removed, at most 128 characters; null: none sent.
   */
  session_id: z.string().nullable(),
});
export type RequestLogEntryDto = z.infer<typeof RequestLogEntryDto>;

/**
 * `GET /manage/v1/usage/sessions` query: the client sessions active in [start_ms, end_ms)
 * (`end_ms` defaults to now), the most recently active first. Members see their own only.
 */
export const UsageSessionsQuery = z.strictObject({
  start_ms: QueryInt(0, Number.MAX_SAFE_INTEGER),
  end_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  member_id: z.string().min(1).optional(),
  /** Defaults to 100. */
  limit: QueryInt(1, 500).default(100),
});
export type UsageSessionsQuery = z.infer<typeof UsageSessionsQuery>;

/**
 * One client session's usage in the period: a session is a member's rows carrying the same
 * session id (two members' equal ids are two sessions). Sums are of settled rows, as on
 * `GET /usage`; what is still running is `in_flight_requests` and `reserved_micros`.
 */
export const UsageSessionDto = z.object({
  session_id: z.string(),
  member_id: z.string(),
  requests: Count,
  prompt_tokens: Count,
  completion_tokens: Count,
  cached_tokens: Count,
  cost_micros: SignedMicros,
  estimated_requests: Count,
  in_flight_requests: Count,
  reserved_micros: SignedMicros,
  /** The first and last admission of the session within the period. */
  first_ms: TimeMs,
  last_ms: TimeMs,
  /** The models it asked for (requested names), sorted. */
  models: z.array(z.string()),
});
export type UsageSessionDto = z.infer<typeof UsageSessionDto>;

export const UsageSessionsPageDto = z.object({
  object: z.literal("list"),
  data: z.array(UsageSessionDto),
  /** More sessions were active in the period than `limit`. */
  has_more: z.boolean(),
});
export type UsageSessionsPageDto = z.infer<typeof UsageSessionsPageDto>;

export const RequestLogPageDto = z.object({
  object: z.literal("list"),
  data: z.array(RequestLogEntryDto),
  has_more: z.boolean(),
});
export type RequestLogPageDto = z.infer<typeof RequestLogPageDto>;

function LatencyQueryShape() {
  return z.strictObject({
    start_ms: QueryInt(0, Number.MAX_SAFE_INTEGER),
    end_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
    member_id: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    provider: ProviderFilter.optional(),
    category: CategoryFilter.optional(),
  });
}

/** `GET /manage/v1/usage/guard` query: a period (`end_ms` defaults to now) and the usual filters. */
export const GuardSummaryQuery = LatencyQueryShape();

/**
 * What the guard did over a period (answered attempts with a guard record): how many requests
 * carried secrets or PII, the values found per type (distinct values per request, summed), and
 * what was done with them. Blocked requests are refused before admission and have no row.
 */
export const GuardSummaryDto = z.object({
  /** Usage rows the guard checked. */
  requests: Count,
  /** …of which carried secrets (redacted, or sent where KeyVault is off). */
  with_secrets: Count,
  /** …of which carried PII of the policy's types. */
  with_pii: Count,
  secrets: z.record(z.string(), Count),
  pii: z.record(z.string(), Count),
  /** Rows per action: secrets redacted or sent with KeyVault off; PII flagged, redacted, kept local. */
  actions: z.object({
    secrets_redacted: Count,
    keyvault_off: Count,
    pii_flagged: Count,
    pii_redacted: Count,
    kept_local: Count,
  }),
  /** Placeholders put back into answers. */
  restored: Count,
});
export type GuardSummaryDto = z.infer<typeof GuardSummaryDto>;

/** `GET /manage/v1/usage/latency` query. `end_ms` defaults to now. */
export const LatencyQuery = LatencyQueryShape();
export type LatencyQuery = z.infer<typeof LatencyQuery>;

const Ms = z.number().int().nonnegative().nullable();

/** Nearest-rank percentiles in milliseconds (null without samples). */
export const LatencyStatsDto = z.object({
  samples: Count,
  p50_ms: Ms,
  p95_ms: Ms,
  p99_ms: Ms,
});
export type LatencyStatsDto = z.infer<typeof LatencyStatsDto>;

/** Time to first token and total latency of one model's successful requests. */
export const ModelLatencyDto = z.object({
  model: z.string(),
  ttft: LatencyStatsDto,
  total: LatencyStatsDto,
});
export type ModelLatencyDto = z.infer<typeof ModelLatencyDto>;

export const LatencyListDto = z.object({
  object: z.literal("list"),
  data: z.array(ModelLatencyDto),
});
export type LatencyListDto = z.infer<typeof LatencyListDto>;
