import { ErrorDto, HealthDto, MeDto, ModelListDto } from "@contract";
import type { ZodType } from "zod";
import { redactKey } from "../lib/maskKey";
import { ApiRequestError } from "./ApiRequestError";
import {
  manageEndpoints,
  manageUrl,
  type ManageArgs,
  type ManageCallArgs,
  type ManageKey,
  type ManageResult,
} from "./manageClient";
import { readServerEvents, type ServerEvent } from "./serverEvents";

/** The renderer's one way to the API: every call is parsed with the contract. */
export interface ApiClient {
  /** Origin of the API, e.g. `http://127.0.0.1:4747`. */
  readonly baseUrl: string;
  /** `GET /health` (no auth). */
  getHealth(signal?: AbortSignal): Promise<HealthDto>;
  /** `GET /v1/models`. */
  listModels(signal?: AbortSignal): Promise<ModelListDto>;
  /** `GET /manage/v1/me`: the member the key belongs to. */
  getMe(signal?: AbortSignal): Promise<MeDto>;
  /**
   * Any management route by its key, e.g. `manage("PUT /members/:id/limits", { params: { id },
   * body })`, typed from manageEndpoints.gen.ts.
   */
  manage<K extends ManageKey>(key: K, ...args: ManageCallArgs<K>): Promise<ManageResult<K>>;
  /**
   * Follows `GET /manage/v1/events` until `signal` aborts or the server ends the stream, calling
   * `onEvent` for each event. Resolves when the stream ends; rejects like any call when it fails.
   */
  followEvents(onEvent: (e: ServerEvent) => void, signal: AbortSignal): Promise<void>;
  /** A raw authenticated `fetch` for streams the contract does not parse (chat completions). */
  fetchRaw(path: string, init: RequestInit): Promise<Response>;
}

export interface ApiClientOptions {
  /**
   * The key sent as `Authorization: Bearer <key>` to `/v1` and `/manage` (never to `/health`).
   * Read at every call, since sign-in and sign-out change it. Defaults to none (no header).
   */
  apiKey?: () => string | undefined;
  /** Called when the server answers 401 to a call made with `key`, with the server's message. */
  onKeyRejected?: (key: string, serverMessage: string) => void;
  /** Milliseconds before a call fails with `timeout`. Defaults to `4000`. */
  timeoutMs?: number;
  /** Defaults to the browser's `fetch` (tests pass their own). */
  fetch?: typeof fetch;
}

/** Paths that need a key; `/health` is public. */
const AUTHENTICATED_PATH = /^\/(v1|manage)\//;

interface SendOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  accept?: string;
}

export function createApiClient(baseUrl: string, opts: ApiClientOptions = {}): ApiClient {
  const origin = baseUrl.replace(/\/+$/, "");
  // Bound: `fetch` called as a method of another object throws "Illegal invocation".
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const defaultTimeout = opts.timeoutMs ?? 4000;

  /** Sends one request; a failure to get any answer becomes `unreachable` or `timeout`. */
  async function send(path: string, o: SendOptions): Promise<{ res: Response; key?: string }> {
    const headers: Record<string, string> = { accept: o.accept ?? "application/json" };
    const key = AUTHENTICATED_PATH.test(path) ? opts.apiKey?.() : undefined;
    if (key) headers.authorization = `Bearer ${key}`;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    const timeoutMs = o.timeoutMs ?? defaultTimeout;
    // 0 = no timeout (streams that stay open, bounded by `signal` instead).
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [o.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    try {
      const res = await doFetch(`${origin}${path}`, {
        method: o.method ?? "GET",
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: signals.length ? AbortSignal.any(signals) : undefined,
      });
      return { res, key };
    } catch (err) {
      if (timeout?.aborted) {
        throw new ApiRequestError("timeout", `${origin} did not answer within ${timeoutMs} ms.`);
      }
      if (o.signal?.aborted) throw err;
      // fetch gives no detail on purpose (it could leak cross-origin information).
      throw new ApiRequestError("unreachable", `Cannot reach ${origin}.`);
    }
  }

  /** Turns an error answer into an ApiRequestError (and reports a rejected key). */
  async function failure(path: string, res: Response, key?: string): Promise<ApiRequestError> {
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = ErrorDto.safeParse(body);
    // The server never echoes keys, but what reaches the screen must not depend on that.
    const serverError = parsed.success
      ? { ...parsed.data.error, message: redactKey(parsed.data.error.message, key) }
      : undefined;
    const detail = serverError?.message ?? res.statusText;
    if (res.status === 401 && key) opts.onKeyRejected?.(key, detail);
    return new ApiRequestError(
      "http",
      `${path.split("?")[0]}: ${res.status} ${detail}`.trim(),
      res.status,
      serverError,
    );
  }

  async function json<T>(path: string, schema: ZodType<T>, o: SendOptions = {}): Promise<T> {
    const { res, key } = await send(path, o);
    if (!res.ok) throw await failure(path, res, key);
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiRequestError(
        "invalid_response",
        `${origin}${path.split("?")[0]} did not answer like a Benchtop server.`,
      );
    }
    return parsed.data;
  }

  return {
    baseUrl: origin,
    getHealth: (signal) => json("/health", HealthDto, { signal }),
    listModels: (signal) => json("/v1/models", ModelListDto, { signal }),
    getMe: (signal) => json("/manage/v1/me", MeDto, { signal }),

    manage(key, ...[args]) {
      const e = manageEndpoints[key];
      const a = (args ?? {}) as ManageArgs<typeof key> & {
        params?: Record<string, string>;
        query?: Record<string, unknown>;
        body?: unknown;
      };
      if (typeof e.response === "string")
        throw new Error(`${key} is not JSON (${e.response}): use followEvents or fetchRaw`);
      const path = manageUrl(e.path, a.params, a.query);
      // Writes may take a while (a connection test waits for the upstream): 15 s by default.
      const timeoutMs = a.timeoutMs ?? (e.method === "GET" ? defaultTimeout : 15_000);
      return json(path, e.response as ZodType, {
        method: e.method,
        body: a.body,
        signal: a.signal,
        timeoutMs,
      }) as Promise<ManageResult<typeof key>>;
    },

    async followEvents(onEvent, signal) {
      const path = "/manage/v1/events";
      const { res, key } = await send(path, { signal, timeoutMs: 0, accept: "text/event-stream" });
      if (!res.ok || !res.body) throw await failure(path, res, key);
      await readServerEvents(res.body, onEvent, signal);
    },

    async fetchRaw(path, init) {
      const key = AUTHENTICATED_PATH.test(path) ? opts.apiKey?.() : undefined;
      const headers = new Headers(init.headers);
      if (key) headers.set("authorization", `Bearer ${key}`);
      try {
        const res = await doFetch(`${origin}${path}`, { ...init, headers });
        // A rejected key signs out here as it does for every other call.
        if (res.status === 401 && key) await failure(path, res.clone(), key);
        return res;
      } catch (err) {
        if (init.signal?.aborted) throw err;
        throw new ApiRequestError("unreachable", `Cannot reach ${origin}.`);
      }
    },
  };
}
