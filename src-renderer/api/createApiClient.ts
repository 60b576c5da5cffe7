import { ErrorDto, HealthDto, ModelListDto, type BenchtopConnection } from "@contract";
import type { ZodType } from "zod";
import { ApiRequestError } from "./ApiRequestError";

/** The calls the renderer makes today; one method per route, each parsed with the contract. */
export interface ApiClient {
  /** Origin of the API, e.g. `http://127.0.0.1:4747`. */
  readonly baseUrl: string;
  /** `GET /health` (no auth). */
  getHealth(signal?: AbortSignal): Promise<HealthDto>;
  /** `GET /v1/models`. */
  listModels(signal?: AbortSignal): Promise<ModelListDto>;
}

export interface ApiClientOptions {
  /** Milliseconds before a call fails with `timeout`. Defaults to `4000`. */
  timeoutMs?: number;
  /** Defaults to the browser's `fetch` (tests pass their own). */
  fetch?: typeof fetch;
}

export function createApiClient(
  connection: BenchtopConnection,
  opts: ApiClientOptions = {},
): ApiClient {
  const baseUrl = connection.baseUrl.replace(/\/+$/, "");
  // Bound: `fetch` called as a method of another object throws "Illegal invocation".
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = opts.timeoutMs ?? 4000;
  const headers: Record<string, string> = { accept: "application/json" };
  if (connection.ownerToken) headers.authorization = `Bearer ${connection.ownerToken}`;

  async function getJson<T>(path: string, schema: ZodType<T>, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await doFetch(`${baseUrl}${path}`, {
        headers,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (timeout.aborted) {
        throw new ApiRequestError("timeout", `${baseUrl} did not answer within ${timeoutMs} ms.`);
      }
      if (signal?.aborted) throw err;
      // fetch gives no detail on purpose (it could leak cross-origin information).
      throw new ApiRequestError("unreachable", `Cannot reach ${baseUrl}.`);
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = ErrorDto.safeParse(body);
      const detail = error.success ? error.data.error.message : res.statusText;
      throw new ApiRequestError("http", `${path}: ${res.status} ${detail}`.trim(), res.status);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiRequestError(
        "invalid_response",
        `${baseUrl}${path} did not answer like a Benchtop server.`,
      );
    }
    return parsed.data;
  }

  return {
    baseUrl,
    getHealth: (signal) => getJson("/health", HealthDto, signal),
    listModels: (signal) => getJson("/v1/models", ModelListDto, signal),
  };
}
