import type { Response } from "express";
import type { ApiError } from "../gateway/errors.js";
import { anthropicErrorBody, openAiErrorBody } from "./errors.js";

/** A comment line (`: text`): SSE parsers skip it; used for a waiting request's place in line. */
interface SseComments {
  comment(text: string): void;
}

export interface SseStream extends SseComments {
  send(data: unknown): void;
  /** An error after the stream started: a `data: {"error":…}` frame (openai-node throws on it). */
  fail(err: ApiError): void;
  /** Ends the stream with `data: [DONE]`. */
  done(): void;
  readonly closed: boolean;
}

/** Anthropic's SSE: named events (`event: message_start` …), no `[DONE]`. */
export interface AnthropicSseStream extends SseComments {
  event(name: string, data: unknown): void;
  /** Anthropic's keep-alive event, `event: ping` with `{"type":"ping"}`. */
  ping(): void;
  /** An error after the stream started: `event: error` (the Anthropic SDKs throw on it), then end. */
  fail(err: ApiError, requestId?: string): void;
  end(): void;
  readonly closed: boolean;
}

/**
 * Starts an SSE response: headers flushed at once, `heartbeat` written every `heartbeatS`
 * (proxies keep the connection), no buffering by proxies. `finish` writes a last frame (or none)
 * and ends the response, once.
 *
 * Frames written in one turn of the event loop leave in one socket write: the response is corked
 * at the first and uncorked once the turn's I/O callbacks ran (setImmediate). An upstream that
 * sends several events in one packet costs one syscall and one packet here, not one per event;
 * a frame still leaves in the same turn it was written.
 */
function startSse(res: Response, heartbeatS: number, heartbeat: string) {
  res.status(200).set({
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const ended = () => res.writableEnded || res.destroyed;
  let corked = false;
  const uncork = () => {
    corked = false;
    // end() uncorks fully by itself; after it the socket may serve the connection's next request.
    if (!ended()) res.uncork();
  };
  const batch = () => {
    if (corked) return;
    corked = true;
    res.cork();
    setImmediate(uncork);
  };
  batch();
  res.flushHeaders();
  const beat = setInterval(() => res.write(heartbeat), heartbeatS * 1000);
  beat.unref();
  res.on("close", () => clearInterval(beat));
  const write = (frame: string) => {
    if (ended()) return;
    batch();
    res.write(frame);
  };
  return {
    ended,
    write,
    comment(text: string) {
      // One line: a newline in the text would end the comment and start a field.
      write(`: ${text.replace(/[\r\n]+/g, " ")}\n\n`);
    },
    finish(frame?: string) {
      if (ended()) return;
      clearInterval(beat);
      if (frame) res.write(frame);
      res.end();
    },
  };
}

/** OpenAI's SSE: `data:` frames, a `: ping` comment as heartbeat (SDK parsers skip comments). */
export function openSse(res: Response, heartbeatS: number): SseStream {
  const sse = startSse(res, heartbeatS, ": ping\n\n");
  return {
    comment: (text) => sse.comment(text),
    send(data) {
      sse.write(`data: ${JSON.stringify(data)}\n\n`);
    },
    fail(err) {
      sse.finish(`data: ${JSON.stringify(openAiErrorBody(err))}\n\n`);
    },
    done() {
      sse.finish("data: [DONE]\n\n");
    },
    get closed() {
      return sse.ended();
    },
  };
}

/** Named events without an error shape of their own (the Responses API's): see responses/stream.ts. */
export interface EventSseStream extends SseComments {
  event(name: string, data: unknown): void;
  end(): void;
  readonly closed: boolean;
}

/**
 * The Responses API's SSE: `event: <type>` frames, a `: ping` comment as heartbeat (SDK parsers
 * skip comments), no `[DONE]`. Errors are events like any other (responses/stream.ts).
 */
export function openEventSse(res: Response, heartbeatS: number): EventSseStream {
  const sse = startSse(res, heartbeatS, ": ping\n\n");
  return {
    comment: (text) => sse.comment(text),
    event(name, data) {
      sse.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      sse.finish();
    },
    get closed() {
      return sse.ended();
    },
  };
}

const PING = `event: ping\ndata: ${JSON.stringify({ type: "ping" })}\n\n`;

/** Anthropic's SSE, with a `ping` event as heartbeat (the Anthropic SDKs skip it). */
export function openAnthropicSse(res: Response, heartbeatS: number): AnthropicSseStream {
  const sse = startSse(res, heartbeatS, PING);
  const frame = (name: string, data: unknown) =>
    `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return {
    comment: (text) => sse.comment(text),
    event(name, data) {
      sse.write(frame(name, data));
    },
    ping() {
      sse.write(PING);
    },
    fail(err, requestId) {
      sse.finish(frame("error", anthropicErrorBody(err, requestId)));
    },
    end() {
      sse.finish();
    },
    get closed() {
      return sse.ended();
    },
  };
}
