import pino, { type DestinationStream, type Logger } from "pino";
import { stdoutLogSink } from "./logSink.js";

export type { Logger };

/**
 * Every place a credential can appear in a log object. Redaction is configured here once;
 * modules log through child loggers of this root and never format secrets into messages.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "headers.authorization",
  'headers["x-api-key"]',
  "authorization",
  "apiKey",
  "*.apiKey",
  "key",
  "*.key",
  "token",
  "*.token",
  "secret",
  "*.secret",
];

export interface LoggerOptions {
  level: string;
  /**
   * Where lines go. Defaults to stdout through a LogSink (a failing write drops lines, never
   * stops the server). Tests pass a stream to read what was logged.
   */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: { app: "benchtop" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    opts.destination ?? stdoutLogSink(),
  );
}
