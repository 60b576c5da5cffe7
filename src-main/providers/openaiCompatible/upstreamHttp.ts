import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import zlib from "node:zlib";
import { SseParser, type SseEvent } from "./sseParser.js";

/**
 * The hot path's HTTP client for OpenAI-compatible upstreams: `node:http`/`node:https` with
 * keep-alive agents shared by every connection, instead of the `openai` SDK over fetch. Per
 * request the SDK built web streams, abort-signal plumbing, header objects and log formatting
 * that cost more CPU than the rest of a pooled request; this is a plain request and a byte
 * stream. Redirects are not followed (an upstream's chat endpoint does not redirect; a 3xx is
 * an HTTP failure like any non-2xx).
 */

/**
 * Idle keep-alive sockets close after 4 s (undici's default, which fetch used), or 1 s before
 * the upstream's `Keep-Alive: timeout=N` hint when that is shorter: reusing a socket the
 * server is closing would fail a request that never reached it.
 */
const IDLE_SOCKET_MS = 4_000;
const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: "lifo" as const };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

/** Longest error body kept (the rest is dropped): error answers are small JSON. */
const MAX_ERROR_BODY = 1 << 20;

/** Why no response arrived: unreachable (or the socket broke), too slow, or the caller left. */
export class TransportError extends Error {
  constructor(readonly kind: "connect" | "timeout" | "aborted") {
    super(kind === "timeout" ? "upstream timed out" : `upstream ${kind}`);
    this.name = "TransportError";
  }
}

export interface UpstreamRequest {
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** Aborts the request and its response (the client went away). */
  signal: AbortSignal;
  /** Until the response's headers; the body may then take as long as it streams. */
  timeoutMs: number;
}

/**
 * POSTs `body`; resolves with the response once its headers arrived (any status), rejects with
 * a TransportError. The caller must read the response to its end or `destroy()` it.
 */
export function post(r: UpstreamRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (r.signal.aborted) return reject(new TransportError("aborted"));
    const tls = r.url.protocol === "https:";
    const req = (tls ? https : http).request(r.url, {
      method: "POST",
      agent: tls ? httpsAgent : httpAgent,
      headers: { ...r.headers, "content-length": Buffer.byteLength(r.body) },
    });
    let failure: TransportError | undefined;
    const fail = (kind: TransportError["kind"]) => {
      failure ??= new TransportError(kind);
      req.destroy(failure);
    };
    const onAbort = () => fail("aborted");
    r.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => fail("timeout"), r.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      r.signal.removeEventListener("abort", onAbort);
    };
    req.once("response", (res) => {
      done();
      // From here the response's reader owns the abort (see `events`).
      resolve(res);
    });
    // `on`, not `once`: a socket error after the response must not go unhandled.
    req.on("error", () => {
      done();
      reject(failure ?? new TransportError("connect"));
    });
    req.end(r.body);
  });
}

/** The response body as text (decompressed), at most MAX_ERROR_BODY characters kept. */
export async function readText(res: http.IncomingMessage): Promise<string> {
  const decoder = new StringDecoder("utf8");
  let text = "";
  for await (const chunk of decoded(res) as AsyncIterable<Buffer>) {
    if (text.length < MAX_ERROR_BODY) text += decoder.write(chunk);
  }
  return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text + decoder.end();
}

/**
 * The response body's server-sent events, in order. Ends quietly, like the SDK, when `signal`
 * aborts (the client went away): the caller then reports what it had. A broken body (the
 * socket reset mid-stream) throws. Stopping early destroys the response (its socket is not
 * reused); a body read to its end returns the socket to the agent.
 */
export async function* events(
  res: http.IncomingMessage,
  signal: AbortSignal,
): AsyncGenerator<SseEvent> {
  const body = decoded(res);
  const stop = () => {
    res.destroy();
    if (body !== res) body.destroy();
  };
  signal.addEventListener("abort", stop, { once: true });
  const decoder = new StringDecoder("utf8");
  const parser = new SseParser();
  let complete = false;
  try {
    if (signal.aborted) return;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (const event of parser.push(decoder.write(chunk))) yield event;
    }
    for (const event of parser.push(decoder.end())) yield event;
    complete = true;
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    signal.removeEventListener("abort", stop);
    if (!complete) stop();
  }
}

/** The body stream, through zlib when the upstream compressed it anyway. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = (res.headers["content-encoding"] ?? "").trim().toLowerCase();
  const unzip =
    encoding === "gzip" || encoding === "x-gzip"
      ? zlib.createGunzip()
      : encoding === "deflate"
        ? zlib.createInflate()
        : encoding === "br"
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!unzip) return res;
  res.on("error", (err) => unzip.destroy(err));
  return res.pipe(unzip);
}

/** Response headers with the `get` that parseRetryAfter reads. */
export function headerReader(res: http.IncomingMessage): { get(name: string): string | null } {
  return {
    get(name) {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}
