/**
 * Wraps an async refresh so that calls made while one runs collapse into a single follow-up
 * run: a burst of events (one `usage` event per request under load) costs at most two reads,
 * and the last read always starts after the last call.
 */
export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let running = false;
  let again = false;
  let done: Promise<void> = Promise.resolve();
  return () => {
    if (running) {
      again = true;
      return done;
    }
    running = true;
    done = (async () => {
      do {
        again = false;
        try {
          await run();
        } catch {
          // A failed read shows up in the stores' `error`; the next call tries again.
        }
      } while (again);
      running = false;
    })();
    return done;
  };
}

/**
 * Event types that change what the page shows: connections and their keys (`connection.*`,
 * `connection_key.*` incl. `connection_key.problem` when an upstream refuses a key), pools,
 * prices, and `usage` (every settled request moves latency, in-flight and usage totals).
 */
export const LIVE_EVENT_PREFIXES = ["connection", "pool.", "price.", "usage"] as const;

/** While the page is open, health is also read this often (cool-downs end without an event). */
export const POLL_MS = 5000;
