/** Span of the speed average. Defaults to 5 s: long enough to smooth bursts, short enough to follow a change. */
const WINDOW_MS = 5_000;
/** Samples closer together than this are merged (a fast download reports thousands of chunks a second). */
const SAMPLE_EVERY_MS = 100;

/** Bytes per second over the last few seconds of a transfer. */
export class SpeedMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  reset(): void {
    this.samples = [];
  }

  /** Records that `bytes` (a running total) had arrived at time `t` (ms). */
  add(t: number, bytes: number): void {
    const n = this.samples.length;
    // The newest sample slides forward until it is SAMPLE_EVERY_MS past the one before it.
    if (n > 1 && t - this.samples[n - 2]!.t < SAMPLE_EVERY_MS) this.samples[n - 1] = { t, bytes };
    else this.samples.push({ t, bytes });
    // Keep one sample at or before the window's start so the span covers the whole window.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - WINDOW_MS) this.samples.shift();
  }

  /** Whole bytes per second at time `now`; 0 with fewer than two samples or after a stall. */
  bytesPerSecond(now: number): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last === first || now - last.t > WINDOW_MS) return 0;
    const span = Math.max(now, last.t) - first.t;
    return span > 0 ? Math.round(((last.bytes - first.bytes) * 1000) / span) : 0;
  }
}
