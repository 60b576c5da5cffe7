import fs from "node:fs";

/** How the log's destination is doing, for `/health`. */
export interface LogSinkState {
  /** True while writes fail (a full disk, a closed pipe…); lines are dropped meanwhile. */
  failing: boolean;
  /** The errno code of the failure (`ENOSPC`, `EDQUOT`, `EPIPE`…), or null. */
  code: string | null;
  /** Lines dropped since the sink was made. */
  dropped: number;
}

export interface LogSinkOptions {
  /** File descriptor the lines go to. Defaults to `1` (stdout). */
  fd?: number;
  /**
   * Bytes of lines that may wait for a slow destination (a busy pipe, a slow disk); lines beyond
   * are dropped and counted. Defaults to 4 MiB.
   */
  maxPendingBytes?: number;
  /** Where the one-line notices go (failing, working again). Defaults to stderr, errors ignored. */
  notice?: (text: string) => void;
  /** Called once writes succeed after failing, with the number of lines dropped meanwhile. */
  onResumed?: (dropped: number) => void;
}

/** Milliseconds before a write that met EAGAIN (a full pipe) is tried again. */
const AGAIN_MS = 10;
const NEWLINE = 0x0a;

/**
 * The log's destination: pino's lines written in order to a file descriptor, asynchronously,
 * and never a reason for the server to stop. pino's own destination (sonic-boom) emits `error`
 * when a write fails, which with no listener ends the process, and otherwise keeps every line
 * in memory and retries them: a full disk under the log took the server down.
 *
 * Here a write that fails (ENOSPC, EDQUOT, EIO, EPIPE…) drops the lines it carried and counts
 * them, says so once on stderr, and the next line is tried as usual: lines are dropped while the
 * destination refuses them, and the first write that succeeds resumes the log (said once on
 * stderr, and by `onResumed`). A line cut short by the failure is ended by a newline before the
 * next one, so the file stays one JSON object per line. Memory is bounded by `maxPendingBytes`.
 */
export class LogSink {
  private readonly fd: number;
  private readonly maxPendingBytes: number;
  private readonly notice: (text: string) => void;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private failure: { code: string; droppedBefore: number } | null = null;
  private dropped = 0;
  /** The last failed write ended inside a line: the next write begins with a newline. */
  private torn = false;
  private flushWaiters: ((err?: Error) => void)[] = [];

  constructor(private readonly opts: LogSinkOptions = {}) {
    this.fd = opts.fd ?? 1;
    this.maxPendingBytes = opts.maxPendingBytes ?? 4 * 1024 * 1024;
    this.notice =
      opts.notice ??
      ((text) => {
        try {
          fs.writeSync(2, text);
        } catch {
          // stderr may be on the same full disk: there is nowhere left to say it
        }
      });
  }

  /** pino writes one line (ending in a newline) per call. */
  write(line: string): boolean {
    const bytes = Buffer.byteLength(line);
    if (this.queuedBytes + bytes > this.maxPendingBytes) {
      this.dropped++;
      return false;
    }
    this.queue.push(line);
    this.queuedBytes += bytes;
    if (!this.writing) this.writeQueued();
    return true;
  }

  /** Calls `cb` once every line written so far has been written or dropped (pino's `flush`). */
  flush(cb?: (err?: Error) => void): void {
    if (!cb) return;
    if (!this.writing && this.queue.length === 0) cb();
    else this.flushWaiters.push(cb);
  }

  /** Writes what waits, synchronously (at process exit); what fails is dropped. */
  flushSync(): void {
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      fs.writeSync(this.fd, (this.torn ? "\n" : "") + lines.join(""));
    } catch {
      this.dropped += lines.length;
    }
  }

  state(): LogSinkState {
    return {
      failing: this.failure !== null,
      code: this.failure?.code ?? null,
      dropped: this.dropped,
    };
  }

  private writeQueued(): void {
    const lines = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const prefix = this.torn ? 1 : 0;
    const buf = Buffer.from((prefix ? "\n" : "") + lines.join(""));
    this.writing = true;
    this.writeFrom(buf, 0, prefix, lines.length);
  }

  /** Writes `buf` from `offset` on (partial writes continue where they stopped). */
  private writeFrom(buf: Buffer, offset: number, prefix: number, lines: number): void {
    fs.write(this.fd, buf, offset, buf.length - offset, null, (err, n) => {
      if (err?.code === "EAGAIN") {
        setTimeout(() => this.writeFrom(buf, offset, prefix, lines), AGAIN_MS).unref();
        return;
      }
      if (err) {
        // Lines that got out whole count as written; the rest are dropped.
        let whole = 0;
        for (let i = prefix; i < offset; i++) if (buf[i] === NEWLINE) whole++;
        const droppedBefore = this.dropped;
        this.dropped += lines - whole;
        if (offset > 0) this.torn = buf[offset - 1] !== NEWLINE;
        this.failed(err.code ?? "EIO", droppedBefore);
        this.done();
        return;
      }
      if (offset + n < buf.length) {
        this.writeFrom(buf, offset + n, prefix, lines);
        return;
      }
      this.torn = false;
      this.resumed();
      this.done();
    });
  }

  private done(): void {
    this.writing = false;
    if (this.queue.length > 0) {
      this.writeQueued();
      return;
    }
    for (const cb of this.flushWaiters.splice(0)) cb();
  }

  private failed(code: string, droppedBefore: number): void {
    if (this.failure) return;
    this.failure = { code, droppedBefore };
    this.notice(
      `benchtop: the log cannot be written (${code}); log lines are dropped until writes succeed again\n`,
    );
  }

  private resumed(): void {
    if (!this.failure) return;
    const dropped = this.dropped - this.failure.droppedBefore;
    this.failure = null;
    this.notice(`benchtop: the log is written again; ${dropped} line(s) were dropped meanwhile\n`);
    this.opts.onResumed?.(dropped);
  }
}

/**
 * The default destination: stdout through a LogSink, whatever is still queued written
 * synchronously when the process exits (as pino does for its own destination).
 */
export function stdoutLogSink(opts: Omit<LogSinkOptions, "fd"> = {}): LogSink {
  const sink = new LogSink({ ...opts, fd: 1 });
  process.once("exit", () => sink.flushSync());
  return sink;
}
