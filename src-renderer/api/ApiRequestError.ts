import type { ErrorDto } from "@contract";

/**
 * Why a call to the API failed, in terms the UI can act on:
 * - `unreachable`: no answer at all (server down, wrong address, blocked by CORS or CSP);
 * - `timeout`: no answer in time;
 * - `http`: an answer with an error status (`status` is set);
 * - `invalid_response`: an answer that does not match the contract.
 */
export type ApiFailure = "unreachable" | "timeout" | "http" | "invalid_response";

export class ApiRequestError extends Error {
  override name = "ApiRequestError";

  constructor(
    readonly kind: ApiFailure,
    message: string,
    readonly status?: number,
    /** The server's own error body, when it sent one (`http` only), with any key masked. */
    readonly serverError?: ErrorDto["error"],
  ) {
    super(message);
  }
}

/** A one-line explanation of any error, for display. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
