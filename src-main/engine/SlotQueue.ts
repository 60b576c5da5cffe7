import { EngineError } from "./EngineError.js";

/**
 * Admission to a model's sequences: at most `capacity` requests generate at once, the rest wait
 * in arrival order up to `maxQueue`; beyond that a request is refused with `overloaded` (503 +
 * retry-after). A waiter whose signal aborts leaves the queue without taking a slot.
 */
export class SlotQueue {
  private busy = 0;
  private readonly waiters: Array<{ grant: () => void; fail: (err: unknown) => void }> = [];

  constructor(
    private readonly capacity: number,
    private readonly maxQueue: number,
  ) {}

  get inUse(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a `release` function once a slot is free. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.busy < this.capacity) {
      this.busy++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new EngineError(
          "overloaded",
          `All ${this.capacity} sequences are busy and ${this.waiters.length} requests are waiting.`,
          // A rough wait: each queued request ahead holds a slot for a few seconds.
          Math.max(1, Math.ceil(this.waiters.length / this.capacity)),
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.releaser());
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.busy--;
    };
  }
}
