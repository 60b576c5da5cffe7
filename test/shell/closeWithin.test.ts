import { describe, expect, it } from "vitest";
import { closeWithin } from "../../src-main/shell/closeWithin.js";

describe("closeWithin", () => {
  it("reports a clean close", async () => {
    let closed = 0;
    expect(
      await closeWithin(async () => {
        closed++;
      }, 60_000),
    ).toEqual({ outcome: "closed" });
    expect(closed).toBe(1);
  });

  it("reports a failed close, whether it rejects or throws", async () => {
    const boom = new Error("boom");
    expect(await closeWithin(() => Promise.reject(boom), 60_000)).toEqual({
      outcome: "failed",
      error: boom,
    });
    expect(
      await closeWithin(() => {
        throw boom;
      }, 60_000),
    ).toEqual({ outcome: "failed", error: boom });
  });

  it("stops waiting at the deadline when close never settles", async () => {
    expect(await closeWithin(() => new Promise<void>(() => {}), 10)).toEqual({
      outcome: "timed-out",
    });
  });

  it("waits for a close that settles before the deadline", async () => {
    let release!: () => void;
    const result = closeWithin(() => new Promise<void>((resolve) => (release = resolve)), 60_000);
    release();
    expect(await result).toEqual({ outcome: "closed" });
  });
});
