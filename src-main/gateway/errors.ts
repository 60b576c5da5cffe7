import { EngineError } from "../engine/EngineError.js";
import { STORAGE_FULL_RETRY_AFTER_S, StorageFullError } from "../store/storageHealth.js";

/**
 * An error with everything needed to answer an API call: HTTP status, OpenAI error `type` and
 * `code`, the offending `param`, and extra headers. `server/errors.ts` renders it (OpenAI shape
 * on /v1, Anthropic shape on /v1/messages). Clients key on status and `code`; `type` is descriptive.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const invalidRequest = (
  message: string,
  param: string | null = null,
  code = "invalid_value",
) => new ApiError(400, "invalid_request_error", message, code, param);

export const modelNotFound = (model: string) =>
  new ApiError(
    404,
    "invalid_request_error",
    `The model '${model}' does not exist or you do not have access to it.`,
    "model_not_found",
    "model",
  );

export const serverError = (message = "The server had an error while processing your request.") =>
  new ApiError(500, "server_error", message, null);

/** What a request is refused with while the database's disk is full. */
export const ADMISSION_STORAGE_FULL =
  "The server's disk is full: usage cannot be recorded, so no request is admitted until space is freed. Try again later.";

/**
 * 503 `storage_full`: the database's disk (or quota) is full. Retrying helps once space is
 * freed, which the server notices by itself; `retry-after` says when to try again.
 */
export const storageFull = (message = ADMISSION_STORAGE_FULL) =>
  new ApiError(503, "server_error", message, "storage_full", null, {
    "retry-after": String(STORAGE_FULL_RETRY_AFTER_S),
  });

/** Maps an engine failure to the API error a client should see (by code, never by message). */
export function fromEngineError(err: EngineError, model: string): ApiError {
  switch (err.code) {
    case "model_not_found":
      return modelNotFound(model);
    case "context_length_exceeded":
      return new ApiError(
        400,
        "invalid_request_error",
        err.message,
        "context_length_exceeded",
        "messages",
      );
    case "invalid_grammar":
      return invalidRequest(err.message, "response_format", "invalid_json_schema");
    case "invalid_input":
      return invalidRequest(err.message);
    case "queue_full":
      // The member's own queue: their 429 (a teammate's request is never refused for it).
      return new ApiError(
        429,
        "requests",
        `Model '${model}' is busy: ${err.message}`,
        "queue_full",
        null,
        { "retry-after": String(err.retryAfterS ?? 1) },
      );
    case "engine_unavailable":
      return new ApiError(503, "server_error", err.message, "engine_unavailable", null, {
        "retry-after": "1",
      });
    case "model_load_failed":
      return new ApiError(503, "server_error", err.message, "model_load_failed", null);
    case "insufficient_memory":
      // Not retried by clients: the settings (or the machine) must change first.
      return new ApiError(503, "server_error", err.message, "insufficient_memory", null, {
        "x-should-retry": "false",
      });
    case "not_loaded":
    case "internal":
      return serverError(`The local engine failed: ${err.message}`);
  }
}

/** Any thrown value as an ApiError; unknown errors become a 500 without internal details. */
export function toApiError(err: unknown, model = ""): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof EngineError) return fromEngineError(err, model);
  if (err instanceof StorageFullError) return storageFull();
  return serverError();
}
