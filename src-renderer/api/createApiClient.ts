import { ErrorDto, HealthDto, MeDto, ModelListDto } from "@contract";
import type { ZodType } from "zod";
import { redactKey } from "../lib/maskKey";
import { ApiRequestError } from "./ApiRequestError";

/** The calls the renderer makes today; one method per route, each parsed with the contract. */
export interface ApiClient {
  /** Origin of the API, e.g. `http://127.0.0.1:4747`. */
  readonly baseUrl: string;
  /** `GET /health` (no auth). */
  getHealth(signal?: AbortSignal): Promise<HealthDto>;
  /** `GET /v1/models`. */
  listModels(signal?: AbortSignal): Promise<ModelListDto>;
  /** `GET /manage/v1/me`: the member the key belongs to. */
  getMe(signal?: AbortSignal): Promise<MeDto>;
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

export function createApiClient(baseUrl: string, opts: ApiClientOptions = {}): ApiClient {
  const origin = baseUrl.replace(/\/+$/, "");
  // Bound: `fetch` called as a method of another object throws "Illegal invocation".
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = opts.timeoutMs ?? 4000;

  async function getJson<T>(path: string, schema: ZodType<T>, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const key = AUTHENTICATED_PATH.test(path) ? opts.apiKey?.() : undefined;
    if (key) headers.authorization = `Bearer ${key}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await doFetch(`${origin}${path}`, {
        headers,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (timeout.aborted) {
        throw new ApiRequestError("timeout", `${origin} did not answer within ${timeoutMs} ms.`);
      }
      if (signal?.aborted) throw err;
      // fetch gives no detail on purpose (it could leak cross-origin information).
      throw new ApiRequestError("unreachable", `Cannot reach ${origin}.`);
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const parsed = ErrorDto.safeParse(body);
      // The server never echoes keys, but what reaches the screen must not depend on that.
      const serverError = parsed.success
        ? { ...parsed.data.error, message: redactKey(parsed.data.error.message, key) }
        : undefined;
      const detail = serverError?.message ?? res.statusText;
      if (res.status === 401 && key) opts.onKeyRejected?.(key, detail);
      throw new ApiRequestError(
        "http",
        `${path}: ${res.status} ${detail}`.trim(),
        res.status,
        serverError,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiRequestError(
        "invalid_response",
        `${origin}${path} did not answer like a Benchtop server.`,
      );
    }
    return parsed.data;
  }

  return {
    baseUrl: origin,
    getHealth: (signal) => getJson("/health", HealthDto, signal),
    listModels: (signal) => getJson("/v1/models", ModelListDto, signal),
    getMe: (signal) => getJson("/manage/v1/me", MeDto, signal),
  };
}
