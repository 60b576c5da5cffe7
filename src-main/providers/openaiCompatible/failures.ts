import OpenAI from "openai";
import { parseRetryAfter, type UpstreamFailure } from "../../pools/errorClass.js";

/**
 * An upstream failed. `failure` classifies it for failover (status, code/type, transport kind,
 * whether the client already had bytes); `message` is safe to show the caller (the upstream's
 * own message, which never contains our key: only the upstream knows it).
 */
export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

/**
 * OpenAI's error body (`error: {message, type, code}`) and headers as failover facts: status,
 * code and type (when strings), retry-after. The message is the upstream's when it has one.
 * Never reads the message to decide anything.
 */
export function httpFailure(
  status: number | undefined,
  error: unknown,
  headers: { get(name: string): string | null } | undefined,
  afterFirstByte: boolean,
): UpstreamError {
  const body = (error ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
  const retryAfterMs = headers ? parseRetryAfter(headers, Date.now()) : undefined;
  return new UpstreamError(
    {
      kind: "http",
      ...(status !== undefined ? { status } : {}),
      code: typeof body.code === "string" ? body.code : null,
      type: typeof body.type === "string" ? body.type : null,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      afterFirstByte,
    },
    typeof body.message === "string" ? body.message : `The upstream answered ${status}.`,
  );
}

/** A stream that could not be read (bad SSE or JSON, a broken body, interleaved tool calls). */
export function malformed(afterFirstByte: boolean): UpstreamError {
  return new UpstreamError(
    { kind: "malformed", afterFirstByte },
    "The upstream sent an answer that could not be read.",
  );
}

export function withFirstByte(err: UpstreamError, afterFirstByte: boolean): UpstreamError {
  return new UpstreamError({ ...err.failure, afterFirstByte }, err.message);
}

/**
 * The `openai` SDK's errors as failover facts (the connection test lists models with the SDK).
 * An error after the caller aborted is returned as it is: it is no upstream's fault.
 */
export function toUpstreamError(err: unknown, afterFirstByte: boolean, signal: AbortSignal): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err));
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return new UpstreamError({ kind: "timeout", afterFirstByte }, "The upstream timed out.");
  if (err instanceof OpenAI.APIConnectionError)
    return new UpstreamError(
      { kind: "connect", afterFirstByte },
      "The upstream could not be reached.",
    );
  if (err instanceof OpenAI.APIError)
    return httpFailure(err.status, err.error, err.headers, afterFirstByte);
  // A stream the SDK could not parse (malformed SSE), or anything else mid-flight.
  return malformed(afterFirstByte);
}
