/**
 * Wraps an async refresh so that bursts of calls (one live event per settled request) cost at
 * most two runs: the one in flight, and one more after it that sees everything the burst
 * changed. Every caller's promise resolves once a run that started after its call has ended.
 */
export function coalesce(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    current = run()
      .catch(() => undefined)
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  return () => {
    if (!current) return start();
    next ??= current.then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}

/** One coalesced refresh per key (e.g. per member id), created on first use. */
export function coalesceByKey(run: (key: string) => Promise<void>): (key: string) => Promise<void> {
  const byKey = new Map<string, () => Promise<void>>();
  return (key) => {
    let f = byKey.get(key);
    if (!f) byKey.set(key, (f = coalesce(() => run(key))));
    return f();
  };
}
