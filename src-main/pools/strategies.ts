/**
 * Pool strategies: the order in which a request tries a pool's available targets. The first is
 * the pick; the rest are the failover order. Pure: the round-robin cursor is the pool's own
 * state, passed in, and randomness is injected so tests are deterministic.
 */

export type Strategy =
  "priority" | "round_robin" | "weighted" | "least_in_flight" | "lowest_latency";

/** One available target, as the pool sees it when a request arrives. */
export interface Candidate {
  id: string;
  /** Lower is tried first (priority failover; the tie-breaker of the load-based strategies). */
  priority: number;
  /** Share of traffic under "weighted"; > 0. */
  weight: number;
  inFlight: number;
  /** EWMA latency; null while unmeasured. */
  latencyMs: number | null;
}

type Indexed = { c: Candidate; i: number };

/** Lower priority first, then input order: a stable, explicit tie-break. */
function byPriority(a: Indexed, b: Indexed): number {
  return a.c.priority - b.c.priority || a.i - b.i;
}

function sorted(candidates: readonly Candidate[], cmp: (a: Indexed, b: Indexed) => number) {
  return candidates
    .map((c, i) => ({ c, i }))
    .sort(cmp)
    .map((x) => x.c);
}

/**
 * Weighted random order without replacement: each position is drawn among the remaining
 * candidates with probability weight / remaining weight, so the first pick lands on each target
 * in proportion to its weight. A candidate with a weight that is not a positive finite number
 * (the contract says > 0) is never drawn; such candidates go last, by priority.
 */
function weightedOrder(candidates: readonly Candidate[], random: () => number): Candidate[] {
  const valid = (w: number) => Number.isFinite(w) && w > 0;
  const pool = candidates.filter((c) => valid(c.weight));
  const out: Candidate[] = [];
  let total = pool.reduce((s, c) => s + c.weight, 0);
  while (pool.length > 0) {
    let r = random() * total;
    // Float rounding can leave r just above the sum of the rest: fall back to the last one.
    let k = pool.length - 1;
    for (let j = 0; j < pool.length; j++) {
      r -= pool[j]!.weight;
      if (r < 0) {
        k = j;
        break;
      }
    }
    const [picked] = pool.splice(k, 1);
    out.push(picked!);
    total -= picked!.weight;
  }
  const invalid = candidates.filter((c) => !valid(c.weight));
  return [...out, ...sorted(invalid, byPriority)];
}

/**
 * The order in which to try the available candidates.
 * - priority: lowest priority number first, then input order.
 * - round_robin: input order rotated by the pool's cursor, which advances once per call.
 * - weighted: weighted random order without replacement.
 * - least_in_flight: fewest requests in flight first; ties by priority, then input order.
 * - lowest_latency: unmeasured targets first (so new or recovered targets get measured), then
 *   lowest EWMA latency; ties by priority, then input order.
 * Returns a new array; `candidates` is not modified.
 */
export function order(
  strategy: Strategy,
  candidates: readonly Candidate[],
  state: { cursor: number },
  random: () => number,
): Candidate[] {
  switch (strategy) {
    case "priority":
      return sorted(candidates, byPriority);
    case "round_robin": {
      const n = candidates.length;
      if (n === 0) return [];
      // Kept within [0, n) so it never grows; when the set of available targets changes size
      // the rotation simply continues from the same slot.
      const start = ((Math.trunc(state.cursor) % n) + n) % n;
      state.cursor = (start + 1) % n;
      return [...candidates.slice(start), ...candidates.slice(0, start)];
    }
    case "weighted":
      return weightedOrder(candidates, random);
    case "least_in_flight":
      return sorted(candidates, (a, b) => a.c.inFlight - b.c.inFlight || byPriority(a, b));
    case "lowest_latency":
      return sorted(candidates, (a, b) => {
        const la = a.c.latencyMs;
        const lb = b.c.latencyMs;
        if (la === null || lb === null) {
          if (la !== lb) return la === null ? -1 : 1;
          return byPriority(a, b);
        }
        return la - lb || byPriority(a, b);
      });
  }
}
