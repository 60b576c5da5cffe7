import { sleep } from "./proc.js";
import { streamCompletion } from "./sseClient.js";
import { median } from "./stats.js";

export interface FairnessOptions {
  url: string;
  model: string;
  /** Member A's key: A floods. */
  floodKey: string;
  /** Member B's key: B sends one request at a time. */
  probeKey: string;
  /** A's concurrent requests, each sent again as soon as it ends (closed loop). */
  floodStreams: number;
  /** max_tokens of A's requests. */
  floodTokens: number;
  /** B's requests measured per phase (idle, then under A's flood). */
  probes: number;
  /** max_tokens of B's requests: only the first token is timed. */
  probeTokens: number;
  promptTokens: number;
  /** A unique prompt per request (no shared prefix, so nothing is reused from a cache). */
  nextPrompt(tokens: number): string;
  /** Milliseconds between starting A's flood and B's first request: A fills the sequences and the queue. */
  floodHeadStartMs: number;
  /** Called before each phase: waits for other processes on the machine to go quiet. */
  waitQuiet(): Promise<unknown>;
}

export interface FairnessResult {
  /** B's time to first token, ms, on an otherwise idle server. */
  idleTtftMs: number[];
  /** B's time to first token, ms, while A floods. */
  floodTtftMs: number[];
  idleP50Ms: number;
  floodP50Ms: number;
  /** floodP50Ms / idleP50Ms: how much A's flood costs B (1 = not at all). */
  ratio: number;
  /** B's requests that failed (their TTFT is NaN, left out of the medians). */
  probeErrors: string[];
  /** A's requests that completed and that failed (429/503…) while the flood ran. */
  flood: { streams: number; completed: number; failed: number; tokens: number; errors: string[] };
}

/**
 * Fairness between members: B's TTFT p50 idle, then while A keeps `floodStreams` requests in
 * flight (a closed loop: each of A's requests is sent again when it ends). With FIFO scheduling B
 * waits behind A's whole queue; with per-member fair queueing B gets the next free sequence.
 * A's requests still in flight at the end are aborted (the server frees their sequences).
 */
export async function measureFairness(o: FairnessOptions): Promise<FairnessResult> {
  const probeErrors: string[] = [];
  // A failed probe (e.g. a client timeout while queued behind A) is recorded, not fatal: NaN is
  // left out of the median, and the error is reported.
  const probe = async () => {
    try {
      const r = await streamCompletion(
        o.url,
        o.model,
        { prompt: o.nextPrompt(o.promptTokens), maxTokens: o.probeTokens },
        { apiKey: o.probeKey },
      );
      const first = r.tokenTimesMs[0];
      if (first === undefined) throw new Error("no token arrived");
      return first - r.startMs;
    } catch (err) {
      probeErrors.push((err as Error).message.slice(0, 200));
      return NaN;
    }
  };

  await o.waitQuiet();
  const idleTtftMs: number[] = [];
  for (let i = 0; i < o.probes; i++) idleTtftMs.push(await probe());

  await o.waitQuiet();
  const stop = new AbortController();
  const flood = {
    streams: o.floodStreams,
    completed: 0,
    failed: 0,
    tokens: 0,
    errors: [] as string[],
  };
  const worker = async () => {
    while (!stop.signal.aborted) {
      try {
        const r = await streamCompletion(
          o.url,
          o.model,
          { prompt: o.nextPrompt(o.promptTokens), maxTokens: o.floodTokens },
          { apiKey: o.floodKey, signal: stop.signal },
        );
        if (!stop.signal.aborted) {
          flood.completed++;
          flood.tokens += r.tokens;
        }
      } catch (err) {
        if (stop.signal.aborted) break;
        flood.failed++;
        if (flood.errors.length < 3) flood.errors.push((err as Error).message.slice(0, 200));
        await sleep(100); // a refusal (429/503) is not retried in a tight loop
      }
    }
  };
  const workers = Array.from({ length: o.floodStreams }, worker);
  const floodTtftMs: number[] = [];
  try {
    await sleep(o.floodHeadStartMs);
    for (let i = 0; i < o.probes; i++) floodTtftMs.push(await probe());
  } finally {
    stop.abort();
    await Promise.all(workers);
  }
  const idleP50Ms = median(idleTtftMs);
  const floodP50Ms = median(floodTtftMs);
  return {
    idleTtftMs,
    floodTtftMs,
    idleP50Ms,
    floodP50Ms,
    ratio: floodP50Ms / idleP50Ms,
    probeErrors,
    flood,
  };
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");

/** Prints the fairness figures (one line each); the JSON gets the whole result. */
export function printFairness(
  r: FairnessResult,
  o: { sequences: number; promptTokens: number; title: string },
) {
  console.log(
    `\nFairness (benchtop, ${o.title}): member A keeps ${r.flood.streams} requests in flight ` +
      `(${r.flood.streams / o.sequences}x the ${o.sequences} sequences), member B sends one at a time, ` +
      `${o.promptTokens}-token prompts`,
  );
  console.log(
    `  B TTFT p50 idle        ${ms(r.idleP50Ms)} ms  (${r.idleTtftMs.map(ms).join(", ")})`,
  );
  console.log(
    `  B TTFT p50 under flood ${ms(r.floodP50Ms)} ms  (${r.floodTtftMs.map(ms).join(", ")})`,
  );
  console.log(`  flood/idle             ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : "—"}x`);
  console.log(
    `  A meanwhile: ${r.flood.completed} requests completed, ${r.flood.tokens} tokens, ` +
      `${r.flood.failed} refused or failed` +
      (r.flood.errors.length > 0 ? ` (${r.flood.errors.join(" | ")})` : ""),
  );
  if (r.probeErrors.length > 0) console.log(`  B's failed requests: ${r.probeErrors.join(" | ")}`);
}
