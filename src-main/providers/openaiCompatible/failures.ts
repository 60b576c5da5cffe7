import OpenAI from "openai";
import { parseRetryAfter, type UpstreamFailure } from "../../pools/errorClass.js";
import { upstreamText, type Scrub } from "../scrubSecrets.js";

/** Longest upstream message kept (scrubbed first). Defaults to 1000 characters. */
export const MAX_UPSTREAM_MESSAGE = 1000;
/** Longest upstream error code or type kept. Defaults to 100 characters. */
const MAX_UPSTREAM_CODE = 100;

/**
 * An upstream failed. `failure` classifies it for failover (status, code/type, transport kind,
 * whether the client already had bytes); `message` is safe to show the caller. Whatever came
 * from the upstream (the message, code and type) was scrubbed of the connection's key material
 * when this was built (`upstreamFailure`): upstreams echo the key they were sent.
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
  scrub: Scrub,
): UpstreamError {
  const body = (error ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
  return upstreamFailure(
    { status, code: body.code, type: body.type, message: body.message, headers, afterFirstByte },
    scrub,
  );
}

/**
 * The one place an upstream's error becomes an UpstreamError (both protocol families): its
 * message, code and type (strings only) scrubbed and bounded, retry-after parsed from the
 * headers (a number; no header text is kept).
 */
export function upstreamFailure(
  f: {
    status: number | undefined;
    code: unknown;
    type: unknown;
    message: unknown;
    headers: { get(name: string): string | null } | undefined;
    afterFirstByte: boolean;
  },
  scrub: Scrub,
): UpstreamError {
  const text = (v: unknown) =>
    typeof v === "string" ? upstreamText(v, scrub, MAX_UPSTREAM_CODE) : null;
  const retryAfterMs = f.headers ? parseRetryAfter(f.headers, Date.now()) : undefined;
  return new UpstreamError(
    {
      kind: "http",
      ...(f.status !== undefined ? { status: f.status } : {}),
      code: text(f.code),
      type: text(f.type),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      afterFirstByte: f.afterFirstByte,
    },
    typeof f.message === "string"
      ? upstreamText(f.message, scrub, MAX_UPSTREAM_MESSAGE)
      : f.status === undefined
        ? "The upstream reported an error."
        : `The upstream answered ${f.status}.`,
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
export function toUpstreamError(
  err: unknown,
  afterFirstByte: boolean,
  signal: AbortSignal,
  scrub: Scrub,
): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err));
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return new UpstreamError({ kind: "timeout", afterFirstByte }, "The upstream timed out.");
  if (err instanceof OpenAI.APIConnectionError)
    return new UpstreamError(
      { kind: "connect", afterFirstByte },
      "The upstream could not be reached.",
    );
  if (err instanceof OpenAI.APIError)
    return httpFailure(err.status, err.error, err.headers, afterFirstByte, scrub);
  // A stream the SDK could not parse (malformed SSE), or anything else mid-flight.
  return malformed(afterFirstByte);
}
