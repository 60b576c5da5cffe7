import type { UsagePageDto, UsageResultDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  bucketLabeller,
  categoryLabel,
  chartShape,
  seenValues,
  stackKey,
  stackOrder,
  topRows,
  usageQuery,
} from "../../../src-renderer/features/usage/usageSeries";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-02T00:00:00Z");

/** A result with zeros for what a case does not set. */
const r = (o: Partial<UsageResultDto>): UsageResultDto => ({
  requests: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_tokens: 0,
  cost_micros: 0,
  estimated_requests: 0,
  ...o,
});

/** Three hour buckets; the middle one is empty. */
const page: UsagePageDto = {
  object: "page",
  time_zone: "UTC",
  data: [
    {
      start_ms: T0,
      end_ms: T0 + HOUR,
      results: [
        r({
          member_id: "mem_a",
          model: "tiny",
          provider: "local",
          category: "code",
          requests: 2,
          prompt_tokens: 30,
          completion_tokens: 15,
          cost_micros: 60,
        }),
        r({
          member_id: "mem_b",
          model: "gpt-4.1",
          provider: "con_1",
          category: null,
          requests: 1,
          prompt_tokens: 7,
          completion_tokens: 3,
          cost_micros: 900,
        }),
      ],
    },
    { start_ms: T0 + HOUR, end_ms: T0 + 2 * HOUR, results: [] },
    {
      start_ms: T0 + 2 * HOUR,
      end_ms: T0 + 3 * HOUR,
      results: [
        r({
          member_id: "mem_a",
          model: "gpt-4.1",
          provider: "con_2",
          category: "simple",
          requests: 1,
          prompt_tokens: 5,
          completion_tokens: 5,
          cost_micros: 100,
        }),
        r({
          member_id: "mem_b",
          model: "tiny",
          provider: null,
          requests: 1,
          cost_micros: 8,
          estimated_requests: 1,
        }),
      ],
    },
  ],
  totals: { ...r({}), in_flight_requests: 0, reserved_micros: 0 },
};

const names: Record<string, string> = { mem_a: "Ada", mem_b: "Bo" };
const opts = {
  labelFor: (k: string) => names[k] ?? k,
  bucketLabel: bucketLabeller("hour", "UTC", "en-US"),
};

describe("chartShape", () => {
  it("stacks cost by member: one row per bucket, empty buckets at 0, largest stack first", () => {
    expect(chartShape(page, "member", "cost", opts)).toEqual({
      series: [
        { key: "mem_b", label: "Bo", name: "s0", color: "indigo.6", total: 908 },
        { key: "mem_a", label: "Ada", name: "s1", color: "teal.6", total: 160 },
      ],
      data: [
        { bucket: "00:00", s0: 900, s1: 60 },
        { bucket: "01:00", s0: 0, s1: 0 },
        { bucket: "02:00", s0: 8, s1: 100 },
      ],
    });
  });

  it("stacks tokens by location: local, remote, and rows never answered apart", () => {
    const shape = chartShape(page, "location", "tokens", {
      ...opts,
      labelFor: (k) => ({ local: "Local", remote: "Remote" })[k] ?? k,
    });
    // The crash-swept row has 0 tokens: no series of its own in the token chart.
    expect(shape.series.map((s) => [s.key, s.label, s.total])).toEqual([
      ["local", "Local", 45],
      ["remote", "Remote", 20],
    ]);
    expect(shape.data.map((d) => [d.s0, d.s1])).toEqual([
      [45, 10],
      [0, 0],
      [0, 10],
    ]);
    const requests = chartShape(page, "location", "requests", opts);
    expect(requests.series.map((s) => [s.key, s.total])).toEqual([
      ["local", 2],
      ["remote", 2],
      ["unknown", 1],
    ]);
  });

  it("stacks cost by route category, requests without one together", () => {
    const shape = chartShape(page, "category", "cost", { ...opts, labelFor: categoryLabel });
    // The crash-swept row was never grouped by category (no `category` key): no category either.
    expect(shape.series.map((s) => [s.key, s.label, s.total])).toEqual([
      ["-", "No category", 908],
      ["simple", "simple", 100],
      ["code", "code", 60],
    ]);
    expect(shape.data.map((d) => [d.s0, d.s1, d.s2])).toEqual([
      [900, 0, 60],
      [0, 0, 0],
      [8, 100, 0],
    ]);
    expect(stackKey(r({ category: "code" }), "category")).toBe("code");
    expect(stackKey(r({ category: null }), "category")).toBe("-");
  });

  it("folds stacks past the maximum into one Other series", () => {
    // At the maximum, every stack is its own series (data keys s0, s1: ids with dots are labels).
    const shape = chartShape(page, "model", "cost", { ...opts, maxSeries: 2 });
    expect(shape.series.map((x) => [x.name, x.label, x.total])).toEqual([
      ["s0", "gpt-4.1", 1000],
      ["s1", "tiny", 68],
    ]);
    expect(shape.data[0]).toEqual({ bucket: "00:00", s0: 900, s1: 60 });
    const two = chartShape(page, "member", "requests", { ...opts, maxSeries: 1 });
    expect(two.series.map((s) => [s.name, s.label, s.total])).toEqual([["s0", "Other (2)", 5]]);
    expect(two.data.map((d) => d.s0)).toEqual([3, 0, 2]);
  });
});

describe("series colours", () => {
  it("gives a member the same colour in the cost and the token chart, whatever each one's order", () => {
    const colorKeys = stackOrder(page, "member");
    expect(colorKeys).toEqual(["mem_b", "mem_a"]);
    const colours = (metric: "cost" | "tokens") =>
      chartShape(page, "member", metric, { ...opts, colorKeys }).series.map((x) => [
        x.key,
        x.color,
      ]);
    // Bo spent more, Ada used more tokens: the stacks swap places, not colours.
    expect(colours("cost")).toEqual([
      ["mem_b", "indigo.6"],
      ["mem_a", "teal.6"],
    ]);
    expect(colours("tokens")).toEqual([
      ["mem_a", "teal.6"],
      ["mem_b", "indigo.6"],
    ]);
  });

  it("gives stacks missing from the colour order the first colours nobody has", () => {
    const shape = chartShape(page, "location", "requests", { ...opts, colorKeys: ["remote"] });
    expect(shape.series.map((x) => [x.key, x.color])).toEqual([
      ["local", "teal.6"],
      ["remote", "indigo.6"],
      ["unknown", "orange.6"],
    ]);
  });
});

describe("topRows, stackKey and seenValues", () => {
  it("sums per member and per model over the range, by cost first", () => {
    expect(topRows(page, "model")).toEqual([
      { key: "gpt-4.1", requests: 2, prompt_tokens: 12, completion_tokens: 8, cost_micros: 1000 },
      { key: "tiny", requests: 3, prompt_tokens: 30, completion_tokens: 15, cost_micros: 68 },
    ]);
    expect(topRows(page, "member", 1)).toEqual([
      { key: "mem_b", requests: 2, prompt_tokens: 7, completion_tokens: 3, cost_micros: 908 },
    ]);
    expect(stackKey(r({ provider: "con_9" }), "location")).toBe("remote");
    expect(stackKey(r({}), "member")).toBe("unknown");
    expect(seenValues(page)).toEqual({
      models: ["gpt-4.1", "tiny"],
      providers: ["con_1", "con_2"],
      categories: ["code", "simple"],
    });
    expect(seenValues(undefined)).toEqual({ models: [], providers: [], categories: [] });
  });
});

describe("usageQuery and bucket labels", () => {
  it("asks for the last 24 hours hourly, or the last 7 or 30 days daily", () => {
    const now = Date.parse("2026-03-10T15:42:10Z");
    expect(usageQuery("day", now)).toEqual({
      start_ms: Date.parse("2026-03-09T16:00:00Z"),
      end_ms: now,
      bucket: "hour",
    });
    expect(usageQuery("week", now)).toEqual({
      start_ms: now - 6 * 24 * HOUR,
      end_ms: now,
      bucket: "day",
    });
    expect(usageQuery("month", now).start_ms).toBe(now - 29 * 24 * HOUR);
  });

  it("labels hours and days in the org's time zone", () => {
    const at = Date.parse("2026-03-02T23:00:00Z");
    expect(bucketLabeller("hour", "UTC", "en-US")(at)).toBe("23:00");
    expect(bucketLabeller("hour", "Europe/Paris", "en-US")(at)).toBe("00:00");
    expect(bucketLabeller("day", "Europe/Paris", "en-US")(at)).toBe("Mar 3");
    expect(bucketLabeller("day", "America/New_York", "en-US")(at)).toBe("Mar 2");
  });
});
