/** What one stream (one request) observed. Times are `performance.now()` milliseconds. */
export interface StreamResult {
  startMs: number;
  /** Arrival time of each piece of generated text (one per token for these servers and model). */
  tokenTimesMs: number[];
  endMs: number;
  /** Tokens actually generated (the server's `completion_tokens`; an early EOS makes it fewer). */
  tokens: number;
  /** Where `tokens` came from: a usage block, node-llama-cpp's token meter, or a chunk count. */
  tokensFrom: "usage" | "meter" | "chunks";
  promptTokens?: number;
}

/** One run of N concurrent streams, summarized. Rates are tokens/s. */
export interface RunSummary {
  streams: number;
  tokens: number;
  /** Aggregate decode: all generated tokens / (last token of any stream − first token of any). */
  decodeTps: number;
  /**
   * Steady decode: tokens arriving while all N streams were generating / that window's length.
   * Unlike `decodeTps` it does not depend on how prefills were spread out. NaN if no overlap.
   */
  steadyTps: number;
  /** All generated tokens / (last response end − first request start): includes prefill. */
  e2eTps: number;
  /** Mean time to first token over the run's streams, ms (queueing and batched prefill included). */
  meanTtftMs: number;
  wallMs: number;
  /** Per stream, ms from the run's first request: [start, first token, last token, tokens]. */
  perStream: [number, number, number, number][];
  /** Cores' worth of CPU other processes used during the run (set by the caller). */
  foreignCores?: number;
}

export function summarizeRun(results: readonly StreamResult[]): RunSummary {
  const tokens = results.reduce((sum, r) => sum + r.tokens, 0);
  const active = results.filter((r) => r.tokenTimesMs.length > 0);
  const firsts = active.map((r) => r.tokenTimesMs[0]!);
  const lasts = active.map((r) => r.tokenTimesMs.at(-1)!);
  const decodeWindowS = (Math.max(...lasts) - Math.min(...firsts)) / 1000;
  const t0 = Math.min(...results.map((r) => r.startMs));
  const wallMs = Math.max(...results.map((r) => r.endMs)) - t0;
  const at = (t: number | undefined) => (t === undefined ? NaN : Math.round(t - t0));

  // All streams generating: from the last stream's first token to the first stream's last one.
  const from = Math.max(...firsts);
  const to = Math.min(...lasts);
  let inWindow = 0;
  for (const r of active) for (const t of r.tokenTimesMs) if (t > from && t <= to) inWindow++;
  const steadyTps =
    active.length === results.length && to > from ? inWindow / ((to - from) / 1000) : NaN;

  return {
    streams: results.length,
    tokens,
    decodeTps: active.length > 0 && decodeWindowS > 0 ? tokens / decodeWindowS : 0,
    steadyTps,
    e2eTps: wallMs > 0 ? tokens / (wallMs / 1000) : 0,
    meanTtftMs: mean(active.map((r) => r.tokenTimesMs[0]! - r.startMs)),
    wallMs,
    perStream: results.map((r) => [
      at(r.startMs),
      at(r.tokenTimesMs[0]),
      at(r.tokenTimesMs.at(-1)),
      r.tokens,
    ]),
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
