/** How closing ended: cleanly, with an error, or cut off by the deadline. */
export type CloseOutcome =
  { outcome: "closed" } | { outcome: "failed"; error: unknown } | { outcome: "timed-out" };

/**
 * Runs `close` (the core's `close()`: the server lets in-flight requests finish, then the engine
 * and the store close) but waits at most `deadlineMs`, so a stuck shutdown can never keep the
 * app from quitting. Never rejects. Pure (no `electron` import); `main.ts` calls it on quit and
 * then exits.
 */
export function closeWithin(close: () => Promise<void>, deadlineMs: number): Promise<CloseOutcome> {
  return new Promise<CloseOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ outcome: "timed-out" }), deadlineMs);
    // The deadline must not itself keep a process alive that has nothing else to do.
    timer.unref();
    let closing: Promise<void>;
    try {
      closing = close();
    } catch (error) {
      closing = Promise.reject(error);
    }
    void closing
      .then(
        () => resolve({ outcome: "closed" }),
        (error: unknown) => resolve({ outcome: "failed", error }),
      )
      .finally(() => clearTimeout(timer));
  });
}
