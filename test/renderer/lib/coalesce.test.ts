import { describe, expect, it } from "vitest";
import { coalesce } from "../../../src-renderer/lib/coalesce";

/** A run that waits until released, so the test decides when each one ends. */
function gatedRuns() {
  const releases: (() => void)[] = [];
  let started = 0;
  const run = () =>
    new Promise<void>((resolve) => {
      started++;
      releases.push(resolve);
    });
  return { run, releases, started: () => started };
}

describe("coalesce", () => {
  it("turns a burst into the run in flight plus one more", async () => {
    const g = gatedRuns();
    const refresh = coalesce(g.run);
    const first = refresh();
    const burst = [refresh(), refresh(), refresh()];
    expect(g.started()).toBe(1);
    g.releases[0]!();
    await first;
    await Promise.resolve();
    expect(g.started()).toBe(2);
    g.releases[1]!();
    await Promise.all(burst);
    expect(g.started()).toBe(2);
    // Idle again: the next call starts a run at once.
    const later = refresh();
    expect(g.started()).toBe(3);
    g.releases[2]!();
    await later;
  });

  it("keeps going after a failed run", async () => {
    let calls = 0;
    const refresh = coalesce(async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
    });
    await refresh();
    await refresh();
    expect(calls).toBe(2);
  });
});
