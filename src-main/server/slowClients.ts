import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { ApiError } from "../gateway/errors.js";
import { sendError } from "./errors.js";

/** Whether the request announced a body (a length above 0, or chunked). */
export function announcesBody(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * Mounted first: a response that goes out before the request's body is in (a 401 before the
 * body is read, a 403, a 404, a body deadline) says `Connection: close`, and Node closes the
 * connection once the answer is written. Otherwise Node would keep reading and discarding the
 * unread body to reuse the connection, and a client trickling a body it will never finish —
 * without a key — would hold the connection as long as it liked.
 */
export const closeWhenAnsweredEarly: RequestHandler = (req, res, next) => {
  if (announcesBody(req)) {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: unknown[]) {
      if (!req.complete) this.setHeader("connection", "close");
      return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.writeHead;
  }
  next();
};

/**
 * Mounted after authentication, before the body is parsed: the body must arrive within `ms`
 * (`server.bodyTimeoutS`) of this point, or the request is answered `408 request_timeout` and
 * its connection closed. Also where a client that sent `Expect: 100-continue` is told to send
 * the body: only an authenticated request ever is (Node's automatic `100 Continue` is off).
 */
export function bodyDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    if (!announcesBody(req) || req.complete) return next();
    if (/^100-continue$/i.test(String(req.headers.expect ?? "").trim())) res.writeContinue();
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      res.locals.bodyTimedOut = true;
      sendError(
        res,
        new ApiError(
          408,
          "invalid_request_error",
          `The request body did not arrive within ${ms / 1000} s.`,
          "request_timeout",
        ),
      );
    }, ms);
    const done = () => clearTimeout(timer);
    req.once("end", done);
    res.once("close", done);
    next();
  };
}

/** Mounted after the body parser: a request whose body deadline answered it goes no further. */
export const stopAfterBodyDeadline: RequestHandler = (_req, res, next) => {
  if (res.locals.bodyTimedOut === true) return;
  next();
};
