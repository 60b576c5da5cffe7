import { describe, expect, it } from "vitest";
import { EngineError } from "../../src-main/engine/EngineError.js";
import { FairQueue, type QueueShare } from "../../src-main/engine/FairQueue.js";

const share = (memberId: string, extra: Partial<QueueShare> = {}): QueueShare => ({
  memberId,
  weight: 1,
  priority: 0,
  maxSequences: null,
  maxQueued: null,
  ...extra,
});

/** Queues `names` in order; records the order in which they are granted a sequence. */
function harness(q: FairQueue) {
  const granted: string[] = [];
  const releases = new Map<string, () => void>();
  const positions = new Map<string, number[]>();
  const enqueue = (name: string, s: QueueShare, signal?: AbortSignal) =>
    q
      .acquire(s, {
        signal,
        onPosition: (ahead) => positions.set(name, [...(positions.get(name) ?? []), ahead]),
      })
      .then((release) => {
        granted.push(name);
        releases.set(name, release);
      });
  /** Releases `name`'s sequence and lets the grants it causes settle. */
  const release = async (name: string) => {
    releases.get(name)!();
    await flush();
  };
  return { granted, positions, enqueue, release };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("FairQueue", () => {
  it("serves a teammate's one request before a flooding member's later ones", async () => {
    const q = new FairQueue(2, 100);
    const h = harness(q);
    const a = share("a");
    for (let i = 0; i < 20; i++) void h.enqueue(`a${i}`, a);
    await flush();
    expect(h.granted).toEqual(["a0", "a1"]);
    void h.enqueue("b0", share("b"));
    await flush();
    await h.release("a0");
    expect(h.granted).toEqual(["a0", "a1", "b0"]);
    await h.release("a1");
    await h.release("b0");
    await h.release("a2");
    expect(h.granted).toEqual(["a0", "a1", "b0", "a2", "a3", "a4"]);
    expect(q.members()).toEqual([{ memberId: "a", held: 2, queued: 15 }]);
  });

  it("alternates between members that both keep requests waiting, by weight", async () => {
    const q = new FairQueue(1, 100);
    const h = harness(q);
    void h.enqueue("hold", share("x"));
    await flush();
    for (let i = 0; i < 6; i++) void h.enqueue(`a${i}`, share("a"));
    for (let i = 0; i < 6; i++) void h.enqueue(`b${i}`, share("b", { weight: 2 }));
    await flush();
    let last = "hold";
    for (let i = 0; i < 9; i++) {
      await h.release(last);
      last = h.granted.at(-1)!;
    }
    // b (weight 2) gets two turns for each of a's.
    expect(h.granted.slice(1)).toEqual(["a0", "b0", "b1", "a1", "b2", "b3", "a2", "b4", "b5"]);
  });

  it("serves a higher priority band first", async () => {
    const q = new FairQueue(1, 100);
    const h = harness(q);
    void h.enqueue("hold", share("x"));
    await flush();
    void h.enqueue("a0", share("a"));
    void h.enqueue("a1", share("a"));
    void h.enqueue("lead0", share("lead", { priority: 2 }));
    await flush();
    await h.release("hold");
    await h.release("lead0");
    expect(h.granted).toEqual(["hold", "lead0", "a0"]);
  });

  it("refuses a member over their own queue cap with queue_full, never a teammate", async () => {
    const q = new FairQueue(1, 3);
    const h = harness(q);
    void h.enqueue("a0", share("a"));
    for (let i = 1; i <= 3; i++) void h.enqueue(`a${i}`, share("a"));
    await flush();
    const refused = await q.acquire(share("a")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).code).toBe("queue_full");
    expect((refused as EngineError).retryAfterS).toBeGreaterThanOrEqual(1);
    // The member's own cap, when set, wins over the default.
    void h.enqueue("b0", share("b", { maxQueued: 1 }));
    await flush();
    const bRefused = await q.acquire(share("b", { maxQueued: 1 })).catch((e: unknown) => e);
    expect((bRefused as EngineError).code).toBe("queue_full");
    expect(q.members()).toEqual([
      { memberId: "a", held: 1, queued: 3 },
      { memberId: "b", held: 0, queued: 1 },
    ]);
  });

  it("holds a member at their sequence cap while others use free sequences", async () => {
    const q = new FairQueue(3, 100);
    const h = harness(q);
    const a = share("a", { maxSequences: 1 });
    void h.enqueue("a0", a);
    void h.enqueue("a1", a);
    await flush();
    expect(h.granted).toEqual(["a0"]);
    expect(q.inUse).toBe(1);
    void h.enqueue("b0", share("b"));
    await flush();
    expect(h.granted).toEqual(["a0", "b0"]);
    await h.release("a0");
    expect(h.granted).toEqual(["a0", "b0", "a1"]);
  });

  it("tells waiters their place in line, decreasing to 0", async () => {
    const q = new FairQueue(1, 100);
    const h = harness(q);
    void h.enqueue("hold", share("x"));
    await flush();
    void h.enqueue("a0", share("a"));
    void h.enqueue("a1", share("a"));
    void h.enqueue("a2", share("a"));
    await flush();
    expect(h.positions.get("a2")).toEqual([2]);
    await h.release("hold");
    await h.release("a0");
    expect(h.positions.get("a2")).toEqual([2, 1, 0]);
    expect(h.positions.get("a1")).toEqual([1, 0]);
    // A teammate who arrives later goes before a2: a2 learns it is further back.
    void h.enqueue("b0", share("b"));
    await flush();
    expect(h.positions.get("b0")).toEqual([0]);
    expect(h.positions.get("a2")).toEqual([2, 1, 0, 1]);
  });

  it("an aborted waiter leaves without taking a sequence", async () => {
    const q = new FairQueue(1, 100);
    const h = harness(q);
    void h.enqueue("hold", share("x"));
    await flush();
    const abort = new AbortController();
    const gone = h.enqueue("a0", share("a"), abort.signal).catch((e: unknown) => e);
    void h.enqueue("b0", share("b"));
    await flush();
    abort.abort(new Error("client went away"));
    expect(((await gone) as Error).message).toBe("client went away");
    expect(q.queued).toBe(1);
    await h.release("hold");
    expect(h.granted).toEqual(["hold", "b0"]);
    expect(h.positions.get("b0")).toEqual([1, 0]);
  });
});
