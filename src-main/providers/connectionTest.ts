import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { UpstreamFailure } from "../pools/errorClass.js";
import { toUpstreamError as anthropicFailure } from "./anthropic/adapter.js";
import {
  toUpstreamError as openAiFailure,
  UpstreamError,
  type UpstreamCall,
} from "./openaiCompatible/adapter.js";
import { upstreamText, type Scrub } from "./scrubSecrets.js";

/** The test gives up after this long: an admin is waiting on a button. */
const TIMEOUT_MS = 10_000;
/** Most model ids a test answers with. */
const MAX_MODELS = 200;
/** Longest upstream error message passed on. */
const MAX_MESSAGE = 500;

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  models: string[];
  error?: { status: number | null; message: string };
  /** With `ok: false`: the failure as failover facts (status, code, type, retry-after), which
   * the pools' active probe classifies exactly as it classifies real traffic. */
  failure?: UpstreamFailure;
}

/** What a test needs: the connection, one of its keys and its headers (plain), the scrubber. */
export type TestCall = Pick<UpstreamCall, "connection" | "apiKey" | "headers" | "scrub">;

/**
 * Lists the upstream's models with one key, once: retries off, 10 s timeout, the official SDK
 * of the connection's family (`@anthropic-ai/sdk` for kind anthropic, `openai` otherwise). Only
 * one page is read, so the latency is one round trip. Nothing here changes the key's status.
 * The answer never carries key material: the upstream's message, code and type are scrubbed
 * with `call.scrub` (every key and credential header of the connection).
 */
export async function testConnection(
  call: TestCall,
  clock: () => number = () => performance.now(),
): Promise<ConnectionTestResult> {
  const t0 = clock();
  const latency = () => Math.max(0, Math.round(clock() - t0));
  try {
    const models =
      call.connection.kind === "anthropic" ? await anthropicModels(call) : await openAiModels(call);
    return { ok: true, latencyMs: latency(), models: models.slice(0, MAX_MODELS) };
  } catch (err) {
    const toFailure = call.connection.kind === "anthropic" ? anthropicFailure : openAiFailure;
    const classified = toFailure(err, false, new AbortController().signal, call.scrub);
    return {
      ok: false,
      latencyMs: latency(),
      models: [],
      error: describe(err, call.scrub),
      ...(classified instanceof UpstreamError ? { failure: classified.failure } : {}),
    };
  }
}

async function openAiModels(call: TestCall): Promise<string[]> {
  const client = new OpenAI({
    apiKey: call.apiKey,
    baseURL: call.connection.baseUrl,
    // Never the server's own OPENAI_ORG_ID / OPENAI_PROJECT_ID environment.
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: call.headers,
  });
  const page = await client.models.list();
  return page.data.map((m) => m.id);
}

async function anthropicModels(call: TestCall): Promise<string[]> {
  const client = new Anthropic({
    apiKey: call.apiKey,
    baseURL: call.connection.baseUrl,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: call.headers,
  });
  const page = await client.models.list({ limit: MAX_MODELS });
  return page.data.map((m) => m.id);
}

/** An SDK failure as {status, message}: the upstream's status and own message, scrubbed. */
function describe(err: unknown, scrub: Scrub): { status: number | null; message: string } {
  const isTimeout =
    err instanceof OpenAI.APIConnectionTimeoutError ||
    err instanceof Anthropic.APIConnectionTimeoutError;
  if (isTimeout)
    return { status: null, message: `The upstream did not answer within ${TIMEOUT_MS} ms.` };
  if (err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError)
    return { status: null, message: "The upstream could not be reached." };
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
    const message = upstreamMessage(err.error);
    return {
      status: typeof err.status === "number" ? err.status : null,
      message:
        message === undefined
          ? `The upstream answered ${err.status}.`
          : upstreamText(message, scrub, MAX_MESSAGE),
    };
  }
  return { status: null, message: "The upstream sent an answer that could not be read." };
}

/** `{error: {message}}` (OpenAI), `{type, error: {message}}` (Anthropic) or `{message}`. */
function upstreamMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const b = body as { message?: unknown; error?: { message?: unknown } };
  const m = typeof b.message === "string" ? b.message : b.error?.message;
  return typeof m === "string" && m.length > 0 ? m : undefined;
}
