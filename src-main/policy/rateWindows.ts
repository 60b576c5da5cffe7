/** 60 s: requests and tokens per minute are counted over any sliding minute. */
export const WINDOW_MS = 60_000;

interface Entry {
  ms: number;
  tokens: number;
}

/** What limit checks and headers read of a window. */
export interface WindowView {
  readonly inFlight: number;
  readonly peakInFlight: number;
  readonly requests: number;
  readonly tokens: number;
  oldestLeavesInMs(now: number): number;
  newestLeavesInMs(now: number): number;
  tokensFreeInMs(now: number, need: number, limit: number): number;
}

/** One caller's (a member's, or the org's) admissions in the last minute and requests in flight. */
class Window implements WindowView {
  private entries: Entry[] = [];
  private head = 0;
  private tokenSum = 0;
  inFlight = 0;
  /** Most requests ever in flight at once since start (observability for tests and the UI). */
  peakInFlight = 0;

  prune(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.ms <= now - WINDOW_MS) {
      this.tokenSum -= this.entries[this.head]!.tokens;
      this.head++;
    }
    // Compact once the dead prefix dominates, keeping pruning amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  get requests(): number {
    return this.entries.length - this.head;
  }

  get tokens(): number {
    return this.tokenSum;
  }

  /** When the oldest admission in the window leaves it (ms from now). */
  oldestLeavesInMs(now: number): number {
    const oldest = this.entries[this.head];
    return oldest ? Math.max(0, oldest.ms + WINDOW_MS - now) : 0;
  }

  /** When the window is empty again, if nothing more is admitted (ms from now). */
  newestLeavesInMs(now: number): number {
    const newest = this.entries[this.entries.length - 1];
    return newest && this.requests > 0 ? Math.max(0, newest.ms + WINDOW_MS - now) : 0;
  }

  /** When enough tokens will have left the window for `need` more to fit under `limit`. */
  tokensFreeInMs(now: number, need: number, limit: number): number {
    let sum = this.tokenSum;
    if (sum + need <= limit) return 0;
    for (let i = this.head; i < this.entries.length; i++) {
      sum -= this.entries[i]!.tokens;
      if (sum + need <= limit) return Math.max(0, this.entries[i]!.ms + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }

  add(ms: number, tokens: number): Entry {
    const entry = { ms, tokens };
    this.entries.push(entry);
    this.tokenSum += tokens;
    return entry;
  }

  /** Replaces an entry's reserved tokens with what the request really used. */
  reconcile(entry: Entry, tokens: number, now: number): void {
    if (entry.ms > now - WINDOW_MS) this.tokenSum += tokens - entry.tokens;
    entry.tokens = tokens;
  }
}

/** Handle to one admission's entries, so settlement can reconcile tokens and free the slot. */
export interface RateTicket {
  keys: string[];
  entries: Entry[];
}

/**
 * Requests per minute, tokens per minute and requests in flight, per member and for the org,
 * in memory. This process owns the database, so it is the one authoritative limiter; the
 * windows are rebuilt from the usage ledger at startup (`seed`).
 */
export class RateWindows {
  private readonly windows = new Map<string, Window>();

  window(key: string, now: number): Window & WindowView {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new Window()));
    w.prune(now);
    return w;
  }

  /** Counts an admission against every key; call only after every check passed. */
  admit(keys: string[], now: number, tokens: number): RateTicket {
    const entries = keys.map((k) => {
      const w = this.window(k, now);
      w.inFlight++;
      w.peakInFlight = Math.max(w.peakInFlight, w.inFlight);
      return w.add(now, tokens);
    });
    return { keys, entries };
  }

  /** The request finished: it no longer counts as in flight, and its tokens become actual. */
  finish(ticket: RateTicket, actualTokens: number, now: number): void {
    ticket.keys.forEach((k, i) => {
      const w = this.window(k, now);
      w.inFlight = Math.max(0, w.inFlight - 1);
      w.reconcile(ticket.entries[i]!, actualTokens, now);
    });
  }

  /** Rebuilds the last minute from the ledger (startup). */
  seed(rows: { key: string; ms: number; tokens: number }[], now: number): void {
    for (const r of rows) this.window(r.key, now).add(r.ms, r.tokens);
  }
}
