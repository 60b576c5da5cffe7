import { EngineError } from "./EngineError.js";

/**
 * How one member's requests share a model's sequences with everyone else's. The gateway fills it
 * from the member's effective limits (`gpu_weight`, `gpu_priority`, `max_gpu_sequences`,
 * `max_queued`).
 */
export interface QueueShare {
  /** The fairness id: requests are queued per member. */
  memberId: string;
  /** Share of the sequences while members compete: weight 2 gets twice weight 1's turns. Default 1. */
  weight: number;
  /** Priority band: waiting requests of a higher band are always served first. Default 0. */
  priority: number;
  /** Sequences of one model the member may hold at once; null: no cap. */
  maxSequences: number | null;
  /** Requests the member may have waiting for one model; null: the engine's `maxQueue`. */
  maxQueued: number | null;
}

/** Anonymous or internal callers (tests, the engine's own use): one equal share. */
export const DEFAULT_SHARE: QueueShare = {
  memberId: "",
  weight: 1,
  priority: 0,
  maxSequences: null,
  maxQueued: null,
};

export interface WaitOptions {
  signal?: AbortSignal;
  /**
   * Called while the request waits, with the number of waiting requests that will be served
   * before it (its place in line), first when it joins and again each time that number changes.
   */
  onPosition?: (ahead: number) => void;
}

export interface MemberQueueStatus {
  memberId: string;
  /** Sequences the member's requests hold right now. */
  held: number;
  /** The member's requests waiting for a sequence. */
  queued: number;
}

interface Waiter {
  flow: Flow;
  grant: () => void;
  fail: (err: unknown) => void;
  onPosition?: (ahead: number) => void;
  lastAhead: number;
}

interface Flow {
  share: QueueShare;
  held: number;
  waiters: Waiter[];
  /**
   * Virtual finish time of the member's last turn (start-time fair queueing): each grant
   * advances it by 1/weight; the member with the smallest value in the top band goes next.
   */
  vtime: number;
}

/**
 * Admission to one model's sequences, fair between members: at most `capacity` requests generate
 * at once; the others wait in one queue per member. When a sequence frees, the next request comes
 * from the highest priority band, and within it from the member with the least virtual time
 * (weighted round-robin between members; first come, first served within a member). A member who
 * starts waiting joins at the current virtual time, so being idle earns no burst later, and a
 * flooding member's 30th request never goes before a teammate's first.
 *
 * A member over their own `maxQueued` is refused (`queue_full`, 429 with retry-after); a
 * teammate's request is never refused because of someone else's queue. A member at their
 * `maxSequences` waits even when a sequence is free. A waiter whose signal aborts leaves the
 * queue without taking a sequence.
 */
export class FairQueue {
  private busy = 0;
  private waiting = 0;
  /** System virtual time: the start tag of the last grant. */
  private vnow = 0;
  private readonly flows = new Map<string, Flow>();

  constructor(
    private readonly capacity: number,
    /** Requests one member may have waiting when their share sets no `maxQueued`. */
    private readonly defaultMaxQueued: number,
  ) {}

  get inUse(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiting;
  }

  /** Per member with a request holding or waiting for a sequence, by member id. */
  members(): MemberQueueStatus[] {
    return [...this.flows.values()]
      .filter((f) => f.held > 0 || f.waiters.length > 0)
      .map((f) => ({ memberId: f.share.memberId, held: f.held, queued: f.waiters.length }))
      .sort((a, b) => a.memberId.localeCompare(b.memberId));
  }

  /** Resolves with a `release` function once the request holds a sequence. */
  acquire(share: QueueShare, opts: WaitOptions = {}): Promise<() => void> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const flow = this.flowOf(share);
    if (flow.waiters.length === 0 && this.busy < this.capacity && this.underCap(flow)) {
      // Nobody of this member waits and a sequence is free: no one else can be owed it, because
      // a free sequence with an eligible waiter would already have been granted.
      this.take(flow);
      return Promise.resolve(this.releaser(flow));
    }
    const limit = share.maxQueued ?? this.defaultMaxQueued;
    if (flow.waiters.length >= limit) {
      this.dropIfIdle(flow);
      return Promise.reject(
        new EngineError(
          "queue_full",
          `You have ${flow.waiters.length} requests waiting for this model (your limit: ${limit}); ` +
            `wait for some to finish.`,
          // A rough wait: one turn of every sequence for each request of theirs ahead.
          Math.max(1, Math.ceil(flow.waiters.length / Math.max(1, this.capacity))),
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = flow.waiters.indexOf(waiter);
        if (i < 0) return;
        flow.waiters.splice(i, 1);
        this.waiting--;
        this.dropIfIdle(flow);
        reject(signal!.reason);
        this.notifyPositions();
      };
      const waiter: Waiter = {
        flow,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.releaser(flow));
        },
        fail: reject,
        onPosition: opts.onPosition,
        lastAhead: -1,
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // A member who was idle starts at the current virtual time: no credit for idling.
      if (flow.waiters.length === 0 && flow.held === 0)
        flow.vtime = Math.max(flow.vtime, this.vnow);
      flow.waiters.push(waiter);
      this.waiting++;
      // Positions change whether or not this waiter (or another) was granted at once.
      if (!this.pump()) this.notifyPositions();
    });
  }

  private flowOf(share: QueueShare): Flow {
    let flow = this.flows.get(share.memberId);
    if (!flow) {
      flow = { share, held: 0, waiters: [], vtime: this.vnow };
      this.flows.set(share.memberId, flow);
    } else flow.share = share; // limits may have changed since the last request
    return flow;
  }

  private underCap(flow: Flow): boolean {
    return flow.share.maxSequences === null || flow.held < flow.share.maxSequences;
  }

  private take(flow: Flow): void {
    this.busy++;
    flow.held++;
    // The turn starts at the member's virtual time, or now if they fell behind (a member held
    // back by their own sequence cap earns no credit for it); it lasts 1/weight.
    this.vnow = Math.max(this.vnow, flow.vtime);
    flow.vtime = this.vnow + 1 / Math.max(flow.share.weight, 1e-6);
  }

  /** Grants free sequences to the waiters owed them, in fair order; true if it granted any. */
  private pump(): boolean {
    let granted = false;
    while (this.busy < this.capacity) {
      const flow = pickNext(
        [...this.flows.values()],
        (f) => f.waiters.length > 0 && this.underCap(f),
      );
      if (!flow) break;
      const waiter = flow.waiters.shift()!;
      this.waiting--;
      this.take(flow);
      waiter.grant();
      granted = true;
    }
    if (granted) this.notifyPositions();
    return granted;
  }

  private releaser(flow: Flow): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      flow.held--;
      this.pump();
      this.dropIfIdle(flow);
    };
  }

  /** Forgets a member with nothing held or waiting, once their virtual time is not ahead. */
  private dropIfIdle(flow: Flow): void {
    if (flow.held === 0 && flow.waiters.length === 0 && flow.vtime <= this.vnow)
      this.flows.delete(flow.share.memberId);
  }

  /**
   * Tells every waiter with an `onPosition` callback how many waiting requests go before it, by
   * playing the fair order forward (ignoring `maxSequences`, so it is the order sequences would
   * be handed out if each member could take any number).
   */
  private notifyPositions(): void {
    if (this.waiting === 0) return;
    const sim = [...this.flows.values()]
      .filter((f) => f.waiters.length > 0)
      .map((f) => ({
        share: f.share,
        vtime: Math.max(f.vtime, this.vnow),
        waiters: [...f.waiters],
      }));
    let ahead = 0;
    for (;;) {
      const next = pickNext(sim, (f) => f.waiters.length > 0);
      if (!next) break;
      const w = next.waiters.shift()!;
      next.vtime += 1 / Math.max(next.share.weight, 1e-6);
      if (w.onPosition && w.lastAhead !== ahead) {
        w.lastAhead = ahead;
        w.onPosition(ahead);
      }
      ahead++;
    }
  }
}

/** The flow to serve next: highest priority band, then least virtual time, then member id. */
function pickNext<F extends { share: QueueShare; vtime: number }>(
  flows: F[],
  eligible: (f: F) => boolean,
): F | undefined {
  let best: F | undefined;
  for (const f of flows) {
    if (!eligible(f)) continue;
    if (
      !best ||
      f.share.priority > best.share.priority ||
      (f.share.priority === best.share.priority &&
        (f.vtime < best.vtime ||
          (f.vtime === best.vtime && f.share.memberId < best.share.memberId)))
    )
      best = f;
  }
  return best;
}
