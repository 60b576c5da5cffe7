import type { Response } from "express";
import type { ApiError } from "../gateway/errors.js";
import { openAiErrorBody } from "./errors.js";

export interface SseStream {
  send(data: unknown): void;
  /** An error after the stream started: a `data: {"error":…}` frame (openai-node throws on it). */
  fail(err: ApiError): void;
  /** Ends the stream with `data: [DONE]`. */
  done(): void;
  readonly closed: boolean;
}

/**
 * Starts an SSE response: headers flushed at once, a `: ping` comment every `heartbeatS`
 * (SDK parsers skip comments; proxies keep the connection), no buffering by proxies.
 */
export function openSse(res: Response, heartbeatS: number): SseStream {
  res.status(200).set({
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const beat = setInterval(() => res.write(": ping\n\n"), heartbeatS * 1000);
  beat.unref();
  res.on("close", () => clearInterval(beat));
  const ended = () => res.writableEnded || res.destroyed;
  return {
    send(data) {
      if (!ended()) res.write(`data: ${JSON.stringify(data)}\n\n`);
    },
    fail(err) {
      if (ended()) return;
      clearInterval(beat);
      res.write(`data: ${JSON.stringify(openAiErrorBody(err))}\n\n`);
      res.end();
    },
    done() {
      if (ended()) return;
      clearInterval(beat);
      res.write("data: [DONE]\n\n");
      res.end();
    },
    get closed() {
      return ended();
    },
  };
}
