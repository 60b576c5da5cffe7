import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { UpstreamFailure } from "../pools/errorClass.js";
import type { Connection } from "../store/connectionsRepo.js";
import { toUpstreamError as anthropicFailure } from "./anthropic/adapter.js";
import { toUpstreamError as openAiFailure, UpstreamError } from "./openaiCompatible/adapter.js";

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

/**
 * Lists the upstream's models with one key, once: retries off, 10 s timeout, the official SDK
 * of the connection's family (`@anthropic-ai/sdk` for kind anthropic, `openai` otherwise). Only
 * one page is read, so the latency is one round trip. Nothing here changes the key's status.
 * The answer never carries the key: an upstream message that echoes it has it masked.
 */
export async function testConnection(
  connection: Connection,
  apiKey: string,
  clock: () => number = () => performance.now(),
): Promise<ConnectionTestResult> {
  const t0 = clock();
  const latency = () => Math.max(0, Math.round(clock() - t0));
  try {
    const models =
      connection.kind === "anthropic"
        ? await anthropicModels(connection, apiKey)
        : await openAiModels(connection, apiKey);
    return { ok: true, latencyMs: latency(), models: models.slice(0, MAX_MODELS) };
  } catch (err) {
    const toFailure = connection.kind === "anthropic" ? anthropicFailure : openAiFailure;
    const classified = toFailure(err, false, new AbortController().signal);
    return {
      ok: false,
      latencyMs: latency(),
      models: [],
      error: describe(err, apiKey),
      ...(classified instanceof UpstreamError ? { failure: classified.failure } : {}),
    };
  }
}

async function openAiModels(connection: Connection, apiKey: string): Promise<string[]> {
  const client = new OpenAI({
    apiKey,
    baseURL: connection.baseUrl,
    // Never the server's own OPENAI_ORG_ID / OPENAI_PROJECT_ID environment.
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: connection.headers,
  });
  const page = await client.models.list();
  return page.data.map((m) => m.id);
}

async function anthropicModels(connection: Connection, apiKey: string): Promise<string[]> {
  const client = new Anthropic({
    apiKey,
    baseURL: connection.baseUrl,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: connection.headers,
  });
  const page = await client.models.list({ limit: MAX_MODELS });
  return page.data.map((m) => m.id);
}

/** An SDK failure as {status, message}: the upstream's status and own message, key masked. */
function describe(err: unknown, apiKey: string): { status: number | null; message: string } {
  const isTimeout =
    err instanceof OpenAI.APIConnectionTimeoutError ||
    err instanceof Anthropic.APIConnectionTimeoutError;
  if (isTimeout)
    return { status: null, message: `The upstream did not answer within ${TIMEOUT_MS} ms.` };
  if (err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError)
    return { status: null, message: "The upstream could not be reached." };
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
    const message = upstreamMessage(err.error) ?? `The upstream answered ${err.status}.`;
    return {
      status: typeof err.status === "number" ? err.status : null,
      message: scrub(message, apiKey),
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

/** Masks the key (and any 8+ character run of it) and bounds the length. */
export function scrub(message: string, apiKey: string): string {
  let out = message.split(apiKey).join("[key]");
  // A long key echoed in part (a prefix or a middle slice) is masked too.
  if (apiKey.length >= 16)
    for (let i = 0; i + 8 <= apiKey.length; i++) {
      const piece = apiKey.slice(i, i + 8);
      if (out.includes(piece)) out = out.split(piece).join("[key]");
    }
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}
