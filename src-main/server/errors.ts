import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import type { z } from "zod";
import { ApiError, invalidRequest, serverError, storageFull } from "../gateway/errors.js";
import { StorageFullError, type StorageHealth } from "../store/storageHealth.js";

/** The OpenAI error body: `{error:{message,type,param,code}}`. */
export function openAiErrorBody(err: ApiError) {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

/** Anthropic's error `type` for an HTTP status (their documented status → type table). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

/** The Anthropic error body: `{type:"error", error:{type, message}, request_id}`. */
export function anthropicErrorBody(err: ApiError, requestId?: string) {
  return {
    type: "error" as const,
    error: { type: anthropicErrorType(err.status), message: err.message },
    ...(requestId ? { request_id: requestId } : {}),
  };
}

/** `/v1/messages` and below: the Anthropic-compatible API, which answers errors in its shape. */
const ANTHROPIC_PATH = /^\/v1\/messages(?:\/|\?|$)/i;

/** Whether `res` answers a request of the Anthropic-compatible API (by its original URL). */
export function isAnthropicRequest(res: Response): boolean {
  return ANTHROPIC_PATH.test(res.req?.originalUrl ?? "");
}

/** Renders `err` in the OpenAI shape, or Anthropic's on the Anthropic-compatible routes. */
export function sendError(res: Response, err: ApiError): void {
  if (res.headersSent) return;
  const body = isAnthropicRequest(res)
    ? anthropicErrorBody(err, String(res.getHeader("x-request-id") ?? "") || undefined)
    : openAiErrorBody(err);
  res.status(err.status).set(err.headers).json(body);
}

/** A zod failure as a 400 naming the first offending field as OpenAI does (`messages[0].role`). */
export function fromZodError(error: z.ZodError, body: unknown): ApiError {
  const issue = error.issues[0];
  if (!issue) return invalidRequest("Invalid request body");
  const param = formatPath(issue.path);
  const missing = issue.code === "invalid_type" && valueAt(body, issue.path) === undefined;
  if (missing) {
    return invalidRequest(
      `Missing required parameter: '${param}'.`,
      param,
      "missing_required_parameter",
    );
  }
  return invalidRequest(`Invalid value for '${param || "body"}': ${issue.message}`, param || null);
}

function valueAt(body: unknown, path: PropertyKey[]): unknown {
  let value = body;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * Final error handler. Body-parser failures carry a `type` field (not parsed from the message):
 * malformed JSON → 400, too large → 413, bad charset/encoding → 415; a path parameter the router
 * cannot percent-decode → 400 `invalid_url`. A write the database's full disk refused, from any
 * route, is a 503 `storage_full` (and marks storage full). Anything else is a bug: a 500 with no
 * internal details in the body, the details in the log.
 */
export function errorHandler(log: Logger, storage?: StorageHealth): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const type = (err as { type?: unknown }).type;
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else if (type === "entity.parse.failed") {
      apiErr = invalidRequest(
        "We could not parse the JSON body of your request. The body must be valid JSON.",
        null,
        "invalid_json",
      );
    } else if (type === "entity.too.large") {
      apiErr = new ApiError(
        413,
        "invalid_request_error",
        "Request body too large.",
        "request_too_large",
      );
    } else if (type === "charset.unsupported" || type === "encoding.unsupported") {
      apiErr = new ApiError(
        415,
        "invalid_request_error",
        "Unsupported body encoding; send UTF-8 JSON.",
        "unsupported_media_type",
      );
    } else if (err instanceof URIError) {
      // The router could not decode a path parameter (`/v1/models/%ff%fe`, an overlong UTF-8
      // form such as `%c0%af`): the client's URL is at fault, not the server.
      apiErr = invalidRequest(
        "The request URL is malformed: it has an invalid percent-encoding.",
        null,
        "invalid_url",
      );
    } else if (type === "request.aborted" || type === "stream.not.readable") {
      return; // the client went away; there is nobody to answer
    } else if (isClientHttpError(err)) {
      // body-parser's other read failures (e.g. a gzip header on a body that is not gzip).
      apiErr = new ApiError(
        err.status,
        "invalid_request_error",
        "Could not read the request body.",
        "invalid_body",
      );
    } else if (err instanceof StorageFullError || storage?.fullError(err)) {
      apiErr = req.originalUrl.startsWith("/manage/")
        ? storageFull(MANAGE_STORAGE_FULL)
        : storageFull();
    } else {
      log.error(
        { err, requestId: res.getHeader("x-request-id"), path: req.path },
        "unhandled error",
      );
      apiErr = serverError();
    }
    // Part of the answer is out (a stream, a CSV export): no error body can follow, and leaving
    // the response open would look to the client like data still coming. Cut the connection so
    // it sees a broken transfer (what express's own handler does).
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, apiErr);
  };
}

/** A management write refused by a full disk: nothing was changed. */
const MANAGE_STORAGE_FULL =
  "The server's disk is full: this change cannot be saved until space is freed. Try again later.";

/** An http-errors 4xx (body-parser raises these); its message is safe to expose, ours is clearer. */
function isClientHttpError(err: unknown): err is { status: number } {
  const e = err as { status?: unknown; expose?: unknown };
  return typeof e.status === "number" && e.status >= 400 && e.status < 500 && e.expose === true;
}
