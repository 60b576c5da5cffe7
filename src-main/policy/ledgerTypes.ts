import type { PriceDto } from "../contract/limits.js";
import type { GuardRecord } from "../guard/types.js";
import type { Alert } from "../store/alertsRepo.js";
import type { Outcome, ServedAudit, UsageSource } from "../store/usageRepo.js";
import type { RateTicket } from "./rateWindows.js";

export type Endpoint = "chat.completions" | "completions" | "embeddings" | "messages" | "responses";

/** What admission needs to know about a request before it is dispatched. */
export interface AdmitRequest {
  requestId: string;
  /** 1 for the first attempt; failover attempts (pools) count up. */
  attempt?: number;
  memberId: string;
  keyId: string | null;
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  /** An upper bound on the prompt's tokens (exact counts are settled later). */
  promptTokens: number;
  /** The client's max_tokens, if it sent one. */
  maxTokens?: number;
  /** The most prompt + completion tokens the model can process (its context). */
  contextTokens: number;
  /** False for embeddings: no completion tokens. */
  completion: boolean;
  /** Reserve at this price instead of `model`'s (a route: the dearest of its targets). */
  price?: PriceDto;
  /** Categories of `model`, for access given by category. */
  categories?: string[];
  /** What routing decided, recorded on the row; `micros` is the classifier's cost (held). */
  route?: RouteRecord;
  /**
   * What the guard step found and did (`usage.guard_json`: counts per type, never values),
   * carried to failover attempts' rows. Absent: no guard ran (the column stays NULL).
   */
  guard?: GuardRecord;
  /**
   * The client's session id (`x-claude-code-session-id` / `x-session-id`, already sanitised:
   * see server/requestContext.ts), recorded on the row; absent: none sent.
   */
  sessionId?: string;
}

/** The routing step's record on a usage row. */
export interface RouteRecord {
  category: string | null;
  classifier: string | null;
  /** Tokens the classifier used on the router model. */
  tokens: number;
  /** Their cost at the router model's price, added to the request's. */
  micros: number;
}

/** Why a request was not admitted. The gateway turns each into the matching HTTP error. */
export type Rejection =
  | {
      kind: "model_not_allowed";
      scope: "member" | "org";
      /** The model's categories when access is also given by category (named in the 403). */
      categories?: string[];
      allowedCategories?: string[];
    }
  | {
      kind: "requests" | "tokens" | "concurrency";
      scope: "member" | "org";
      limit: number;
      retryAfterMs: number;
      /** The request alone exceeds the limit: retrying cannot help. */
      never?: boolean;
    }
  | {
      kind: "budget";
      scope: "member" | "org";
      window: "day" | "month";
      capMicros: number;
      spentMicros: number;
      neededMicros: number;
      retryAfterMs: number;
    }
  | { kind: "credits"; availableMicros: number; neededMicros: number };

/** An admitted request: its reservation, until `settle` or `release`. */
export interface Admission {
  readonly usageId: string;
  readonly requestId: string;
  /** 1, then 2, 3… as a pool fails over (each attempt has its own usage row). */
  readonly attempt: number;
  readonly memberId: string;
  readonly model: string;
  readonly price: PriceDto;
  /** The member's max_tokens limit, for the provider to apply (absent: none). */
  readonly maxTokensCap?: number;
  /** Worst-case completion tokens reserved. */
  readonly maxCompletionTokens: number;
  readonly reservedTokens: number;
  readonly reservedMicros: number;
  /** The classifier's cost, held with the reservation and added to the settled cost. */
  readonly routeMicros: number;
  readonly createdMs: number;
  readonly day: string;
  readonly month: string;
  /** `x-ratelimit-*` headers as of admission. */
  readonly headers: Record<string, string>;
  readonly ticket: RateTicket;
  done: boolean;
}

/** What a finished request reports. Token counts `null` when unknown (crash recovery). */
export interface SettleInput {
  servedModel: string | null;
  provider: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Of `promptTokens`, tokens read from a cache (settled at the cache-read rate). */
  cachedTokens: number;
  /** Of `promptTokens`, tokens written to an upstream's cache (the cache-write rate); absent: 0. */
  cacheWriteTokens?: number;
  source: UsageSource;
  estimated: boolean;
  outcome: Outcome;
  errorCode?: string | null;
  httpStatus?: number | null;
  ttftMs?: number | null;
  /** The price of what served the request, when it is not the admission's (a route's target). */
  price?: PriceDto;
  /** A route's fallback path: the targets tried before the one that answered, and why. */
  fallback?: string[] | null;
  /** The guard record of the attempt that answered (restored count, KeyVault off…). */
  guard?: GuardRecord;
  /**
   * The audit record of what served: model version, and the serving connection's declared
   * region and retention. Absent: all three recorded as unknown (NULL).
   */
  audit?: ServedAudit;
}

export type LedgerEvent =
  | { type: "alert"; alert: Alert }
  | { type: "usage"; usageId: string; memberId: string; model: string; costMicros: number };
