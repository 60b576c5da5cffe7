import { z } from "zod";
import { ListOf, QueryInt, SignedMicros, TimeMs } from "./common.js";

const Count = z.number().int().nonnegative();

/** Remote provider families. `openai_compatible` is any other endpoint (vLLM, Together…). */
export const ConnectionKind = z.enum([
  "openai",
  "anthropic",
  "groq",
  "openrouter",
  "openai_compatible",
]);
export type ConnectionKind = z.infer<typeof ConnectionKind>;

/** The base URL a connection of each kind gets when none is given (custom endpoints need one). */
export const DEFAULT_BASE_URLS: Readonly<Partial<Record<ConnectionKind, string>>> = {
  openai: "https://api.openai.com/v1",
  groq: "https://api.groq.com/openai/v1",
  openrouter: "https://openrouter.ai/api/v1",
  anthropic: "https://api.anthropic.com",
};

/** Most extra headers per connection. */
export const MAX_EXTRA_HEADERS = 20;

/**
 * Header names a connection may not set: the key travels in the SDK's own auth header, so a
 * credential here would be stored in the clear and shown in every answer; the others are the
 * HTTP client's to set.
 */
export const FORBIDDEN_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "cookie",
  "host",
  "content-length",
  "content-type",
  "connection",
  "transfer-encoding",
  "te",
  "upgrade",
  "keep-alive",
];

/** An http(s) URL without credentials, query or fragment; a trailing `/` is dropped. */
export const BaseUrl = z
  .string()
  .max(2000)
  .superRefine((s, ctx) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      ctx.addIssue({ code: "custom", message: "must be an http or https URL" });
    else if (url.username || url.password)
      ctx.addIssue({
        code: "custom",
        message: "must not contain credentials; add keys with POST /connections/{id}/keys",
      });
    else if (url.search || url.hash || s.includes("?") || s.includes("#"))
      ctx.addIssue({ code: "custom", message: "must not have a query string or fragment" });
  })
  .transform((s) => new URL(s).href.replace(/\/+$/, ""));

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, spaces and tabs: no CR/LF (no header injection), no other control bytes. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Header names that carry a credential (`x-goog-api-key`, `cf-aig-authorization`,
 * `x-auth-token`, `x-secret`…): any name containing key, token, secret or auth, in any case.
 * Their values are encrypted at rest like provider keys and every answer shows them masked.
 */
const CREDENTIAL_HEADER = /key|token|secret|auth/i;
export const isCredentialHeader = (name: string): boolean => CREDENTIAL_HEADER.test(name);

/**
 * How a credential header's value is shown: `…` and its last 4 characters (`…` alone for values
 * of 12 characters or fewer, as for provider keys). `…` is not ASCII, so no real value looks
 * like this: sent back in a PATCH's `headers`, it means "keep the stored value".
 */
export const maskedHeaderValue = (last4: string): string => `\u2026${last4}`;
const MASKED_VALUE = /^\u2026[\x21-\x7e]{0,4}$/;
export const isMaskedHeaderValue = (value: string): boolean => MASKED_VALUE.test(value);

/**
 * Extra request headers (names stored lower-case). Never the key itself (see
 * FORBIDDEN_HEADERS); other credential-like headers are allowed and stored encrypted.
 */
export const ExtraHeaders = z
  .record(
    z.string().min(1).max(100).regex(HEADER_NAME, "must be an HTTP header name"),
    z.string().max(1000),
  )
  .superRefine((h, ctx) => {
    const names = Object.keys(h);
    if (names.length > MAX_EXTRA_HEADERS)
      ctx.addIssue({ code: "custom", message: `at most ${MAX_EXTRA_HEADERS} headers` });
    const seen = new Set<string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      const value = h[name]!;
      if (isMaskedHeaderValue(value) ? !isCredentialHeader(lower) : !HEADER_VALUE.test(value))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "must be visible ASCII without line breaks",
        });
      if (FORBIDDEN_HEADERS.includes(lower))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `'${lower}' cannot be set here (credentials go in the connection's keys)`,
        });
      else if (seen.has(lower))
        ctx.addIssue({ code: "custom", path: [name], message: "is given twice" });
      seen.add(lower);
    }
  })
  .transform((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])));

const Name = z.string().trim().min(1).max(100);
const Region = z.string().trim().max(100).nullable();
const Retention = z.string().trim().max(500).nullable();

/** A provider key as listed: never the key, only what identifies it to a person. */
export const ConnectionKeyDto = z.object({
  id: z.string(),
  connection_id: z.string(),
  label: z.string(),
  /** The key's last 4 characters; empty for keys of 12 characters or fewer. */
  last4: z.string(),
  /** `disabled`: refused by the upstream (401/403) or by an admin; `exhausted`: quota reached. */
  status: z.enum(["active", "disabled", "exhausted", "deleted"]),
  status_reason: z.string().nullable(),
  created_ms: TimeMs,
  updated_ms: TimeMs,
});
export type ConnectionKeyDto = z.infer<typeof ConnectionKeyDto>;

/** A connection to a remote provider, with its keys (deleted ones left out). */
export const ConnectionDto = z.object({
  id: z.string(),
  name: z.string(),
  kind: ConnectionKind,
  base_url: z.string(),
  /** Extra headers; credential-like ones (isCredentialHeader) only masked: `…abcd`. */
  headers: z.record(z.string(), z.string()),
  /** Declared by the admin (where the provider processes requests). */
  region: z.string().nullable(),
  /** Declared by the admin (what the provider keeps, for how long). */
  retention: z.string().nullable(),
  /**
   * KeyVault: secrets in prompts are replaced by placeholders before requests leave for this
   * connection. True (the default) unless the owner turned it off.
   */
  redact_secrets: z.boolean(),
  keys: z.array(ConnectionKeyDto),
  created_ms: TimeMs,
  updated_ms: TimeMs,
});
export type ConnectionDto = z.infer<typeof ConnectionDto>;

export const ConnectionListDto = ListOf(ConnectionDto);
export type ConnectionListDto = z.infer<typeof ConnectionListDto>;

/** `POST /manage/v1/connections`. `base_url` defaults per kind; `openai_compatible` needs one. */
export const CreateConnectionBody = z.strictObject({
  name: Name,
  kind: ConnectionKind,
  base_url: BaseUrl.optional(),
  /** Defaults to none. */
  headers: ExtraHeaders.optional(),
  region: Region.optional(),
  retention: Retention.optional(),
});
export type CreateConnectionBody = z.infer<typeof CreateConnectionBody>;

/** A provider key as entered: visible ASCII without spaces. */
const ProviderKey = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^[\x21-\x7e]+$/, "must be visible ASCII without spaces");

/** Most keys one PATCH may enter again. */
export const MAX_REENTERED_KEYS = 20;

/**
 * `PATCH /manage/v1/connections/{id}`: the fields present change; `headers` is replaced whole
 * (a credential header sent back with its masked value `…abcd` keeps its stored value).
 *
 * Changing `base_url` (any change of the normalized URL: scheme, host, port or path) would send
 * the stored secrets to the new address, so while the connection has keys the same PATCH must
 * carry them again in `keys` (409 `keys_required` otherwise), and every credential header must
 * be entered again or dropped (409 `credential_headers_required`).
 */
export const PatchConnectionBody = z.strictObject({
  name: Name.optional(),
  base_url: BaseUrl.optional(),
  headers: ExtraHeaders.optional(),
  region: Region.optional(),
  retention: Retention.optional(),
  /** KeyVault for this connection (owner only; every change is an audit row `connection.keyvault`). */
  redact_secrets: z.boolean().optional(),
  /** Replaces every stored key of the connection with these (encrypted at rest like any key). */
  keys: z
    .array(z.strictObject({ label: z.string().trim().min(1).max(100), key: ProviderKey }))
    .min(1)
    .max(MAX_REENTERED_KEYS)
    .optional(),
  /** As for POST /connections/{id}/keys: needed with `keys` where secret storage is insecure. */
  acknowledge_insecure_storage: z.boolean().optional(),
});
export type PatchConnectionBody = z.infer<typeof PatchConnectionBody>;

export const DeletedConnectionDto = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedConnectionDto = z.infer<typeof DeletedConnectionDto>;

/**
 * `POST /manage/v1/connections/{id}/keys`. The key is encrypted at rest and never shown again.
 * When the server's secret storage is insecure (Electron's `basic_text`), the key is refused
 * (409 `insecure_secret_storage`) unless `acknowledge_insecure_storage` is true.
 */
export const AddConnectionKeyBody = z.strictObject({
  label: z.string().trim().min(1).max(100),
  key: ProviderKey,
  acknowledge_insecure_storage: z.boolean().optional(),
});
export type AddConnectionKeyBody = z.infer<typeof AddConnectionKeyBody>;

/** `PATCH /manage/v1/connection-keys/{id}`: re-enable (after a 401 or quota) or disable a key. */
export const PatchConnectionKeyBody = z.strictObject({
  status: z.enum(["active", "disabled"]),
});
export type PatchConnectionKeyBody = z.infer<typeof PatchConnectionKeyBody>;

/** Health of one target (connection key × upstream model), as pools route by it. */
export const TargetHealthDto = z.object({
  /** `<connection_id>/<key_id>/<upstream_model>`. */
  target_id: z.string(),
  connection_id: z.string(),
  key_id: z.string(),
  upstream_model: z.string(),
  key_status: ConnectionKeyDto.shape.status,
  /** Circuit breaker: `closed` (traffic flows), `open` (none until `open_until_ms`), `half_open`. */
  state: z.enum(["closed", "open", "half_open"]),
  /** Whether a new request may be sent here now. */
  available: z.boolean(),
  in_flight: Count,
  /** Moving average of successful requests' latency; null before the first. */
  latency_ms: Count.nullable(),
  /** When a 429 rest ends. */
  resting_until_ms: TimeMs.nullable(),
  disabled_reason: z.string().nullable(),
  exhausted: z.boolean(),
  exhausted_until_ms: TimeMs.nullable(),
  consecutive_failures: Count,
  open_until_ms: TimeMs.nullable(),
});
export type TargetHealthDto = z.infer<typeof TargetHealthDto>;

export const TargetHealthListDto = ListOf(TargetHealthDto);
export type TargetHealthListDto = z.infer<typeof TargetHealthListDto>;

/** `POST /manage/v1/connections/{id}/test`: the upstream's model list with the first active key. */
export const ConnectionTestDto = z.object({
  ok: z.boolean(),
  /** The key the test used. */
  key_id: z.string(),
  latency_ms: Count,
  /** The first 200 model ids the upstream lists. */
  models: z.array(z.string()),
  /** Why it failed: the upstream's HTTP status (null: not reached, timed out) and message. */
  error: z.object({ status: z.number().int().nullable(), message: z.string() }).optional(),
});
export type ConnectionTestDto = z.infer<typeof ConnectionTestDto>;

/** `GET /manage/v1/connections/{id}/usage` query: admission instants in [start_ms, end_ms). */
export const ConnectionUsageQuery = z.strictObject({
  start_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  end_ms: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
});
export type ConnectionUsageQuery = z.infer<typeof ConnectionUsageQuery>;

export const ConnectionUsageSumsDto = z.object({
  /** Settled requests this connection answered. */
  requests: Count,
  prompt_tokens: Count,
  completion_tokens: Count,
  cached_tokens: Count,
  cost_micros: SignedMicros,
  estimated_requests: Count,
  /** Attempts that failed here before answering (released at no cost; another target retried). */
  failed_attempts: Count,
});
export type ConnectionUsageSumsDto = z.infer<typeof ConnectionUsageSumsDto>;

export const ConnectionUsageDto = z.object({
  connection_id: z.string(),
  start_ms: TimeMs.nullable(),
  end_ms: TimeMs.nullable(),
  totals: ConnectionUsageSumsDto,
  /** Per upstream model, by id. */
  by_model: z.array(ConnectionUsageSumsDto.extend({ upstream_model: z.string() })),
});
export type ConnectionUsageDto = z.infer<typeof ConnectionUsageDto>;

// ── pools ───────────────────────────────────────────────────────────────────────────────

export const PoolStrategy = z.enum([
  "priority",
  "round_robin",
  "weighted",
  "least_in_flight",
  "lowest_latency",
]);
export type PoolStrategy = z.infer<typeof PoolStrategy>;

export const PoolTargetBody = z.strictObject({
  connection_id: z.string().min(1).max(100),
  /** The model id the upstream knows. */
  upstream_model: z.string().min(1).max(200),
  /** Lower is tried first (strategy `priority`). Defaults to 0. */
  priority: z.number().int().min(0).max(1000).default(0),
  /** Share of traffic (strategy `weighted`). Defaults to 1. */
  weight: z.number().int().min(1).max(1000).default(1),
});
export type PoolTargetBody = z.infer<typeof PoolTargetBody>;

/** `PUT /manage/v1/pools/{id}`: creates or replaces the pool serving model id `{id}`. */
export const PutPoolBody = z.strictObject({
  strategy: PoolStrategy,
  /** Targets tried per request, failovers included (1–10). Defaults to 3. */
  max_attempts: z.number().int().min(1).max(10).default(3),
  targets: z.array(PoolTargetBody).min(1).max(50),
});
export type PutPoolBody = z.infer<typeof PutPoolBody>;

export const PoolTargetDto = z.object({
  connection_id: z.string(),
  upstream_model: z.string(),
  priority: z.number().int(),
  weight: z.number().int(),
  /** One entry per key of the connection (deleted keys left out). */
  health: z.array(TargetHealthDto),
});
export type PoolTargetDto = z.infer<typeof PoolTargetDto>;

export const PoolDto = z.object({
  /** The model id clients call. */
  id: z.string(),
  strategy: PoolStrategy,
  max_attempts: z.number().int(),
  targets: z.array(PoolTargetDto),
  created_ms: TimeMs,
  updated_ms: TimeMs,
});
export type PoolDto = z.infer<typeof PoolDto>;

export const PoolListDto = ListOf(PoolDto);
export type PoolListDto = z.infer<typeof PoolListDto>;

export const DeletedPoolDto = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedPoolDto = z.infer<typeof DeletedPoolDto>;
