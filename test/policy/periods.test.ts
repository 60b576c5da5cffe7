import { afterEach, describe, expect, it, vi } from "vitest";
import {
  dayEndMs,
  dayStartMs,
  isValidTimeZone,
  monthEndMs,
  monthStartMs,
  periodKeys,
  systemTimeZone,
} from "../../src-main/policy/periods.js";
import { seededRandom } from "../helpers/random.js";

const H = 3_600_000;
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test date ${iso}`);
  return ms;
};
const hours = (ms: number): number => ms / H;
const dayOf = (ms: number, tz: string): string => periodKeys(ms, tz).day;

/**
 * Checks one local day [start, end) exactly: 100 ms either side of both boundaries, the start and
 * end each function reports from inside, and the length.
 */
function expectDay(tz: string, day: string, startIso: string, endIso: string, lengthH: number) {
  const start = at(startIso);
  const end = at(endIso);
  expect(dayOf(start - 100, tz)).not.toBe(day);
  expect(periodKeys(start + 100, tz)).toEqual({ day, month: day.slice(0, 7) });
  expect(dayOf(end - 100, tz)).toBe(day);
  expect(dayOf(end + 100, tz)).not.toBe(day);
  for (const x of [start, start + 100, end - 100, end - 1]) {
    expect(dayStartMs(x, tz)).toBe(start);
    expect(dayEndMs(x, tz)).toBe(end);
  }
  expect(dayEndMs(start - 100, tz)).toBe(start);
  expect(dayStartMs(end + 100, tz)).toBe(end);
  expect(hours(end - start)).toBe(lengthH);
}

describe("periodKeys and day windows on ordinary days", () => {
  it("UTC", () => {
    expectDay("UTC", "2026-06-15", "2026-06-15T00:00:00Z", "2026-06-16T00:00:00Z", 24);
    expect(periodKeys(at("2026-06-15T23:59:59.900Z"), "UTC")).toEqual({
      day: "2026-06-15",
      month: "2026-06",
    });
  });

  it("Europe/Berlin, winter and summer", () => {
    expectDay(
      "Europe/Berlin",
      "2026-01-15",
      "2026-01-15T00:00:00+01:00",
      "2026-01-16T00:00:00+01:00",
      24,
    );
    expectDay(
      "Europe/Berlin",
      "2026-07-15",
      "2026-07-15T00:00:00+02:00",
      "2026-07-16T00:00:00+02:00",
      24,
    );
    // 23:30 UTC is already tomorrow in Berlin.
    expect(dayOf(at("2026-07-15T23:30:00Z"), "Europe/Berlin")).toBe("2026-07-16");
  });

  it("America/New_York", () => {
    expectDay(
      "America/New_York",
      "2026-01-15",
      "2026-01-15T00:00:00-05:00",
      "2026-01-16T00:00:00-05:00",
      24,
    );
    // 02:00 UTC is still yesterday in New York.
    expect(dayOf(at("2026-01-16T02:00:00Z"), "America/New_York")).toBe("2026-01-15");
  });
});

describe("DST transitions", () => {
  it("New York spring forward (2026-03-08) is 23 h, fall back (2026-11-01) 25 h", () => {
    const tz = "America/New_York";
    expectDay(tz, "2026-03-07", "2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", 24);
    expectDay(tz, "2026-03-08", "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 23);
    expectDay(tz, "2026-03-09", "2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00", 24);
    expectDay(tz, "2026-10-31", "2026-10-31T00:00:00-04:00", "2026-11-01T00:00:00-04:00", 24);
    expectDay(tz, "2026-11-01", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25);
    // Both 01:30s of the repeated hour belong to the same day.
    expect(dayStartMs(at("2026-11-01T01:30:00-04:00"), tz)).toBe(at("2026-11-01T00:00:00-04:00"));
    expect(dayStartMs(at("2026-11-01T01:30:00-05:00"), tz)).toBe(at("2026-11-01T00:00:00-04:00"));
  });

  it("Berlin spring forward (2026-03-29) is 23 h, fall back (2026-10-25) 25 h", () => {
    const tz = "Europe/Berlin";
    expectDay(tz, "2026-03-29", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23);
    expectDay(tz, "2026-10-25", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 25);
    expect(dayEndMs(at("2026-10-25T02:30:00+01:00"), tz)).toBe(at("2026-10-26T00:00:00+01:00"));
  });

  it("Lord Howe shifts by 30 minutes: days of 24.5 h and 23.5 h", () => {
    const tz = "Australia/Lord_Howe";
    expectDay(tz, "2026-04-05", "2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:30", 24.5);
    expectDay(tz, "2026-10-04", "2026-10-04T00:00:00+10:30", "2026-10-05T00:00:00+11:00", 23.5);
  });
});

describe("zones where midnight itself is skipped or repeated", () => {
  it("America/Santiago: 2026-09-06 starts at 01:00 (23 h); 2026-04-04 repeats 23:00 (25 h)", () => {
    const tz = "America/Santiago";
    expectDay(tz, "2026-09-05", "2026-09-05T00:00:00-04:00", "2026-09-06T01:00:00-03:00", 24);
    expectDay(tz, "2026-09-06", "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", 23);
    expect(at("2026-09-06T01:00:00-03:00")).toBe(at("2026-09-06T04:00:00Z"));
    expectDay(tz, "2026-04-04", "2026-04-04T00:00:00-03:00", "2026-04-05T00:00:00-04:00", 25);
  });

  it("America/Havana: 2026-03-08 starts at 01:00; on 2026-11-01 midnight happens twice", () => {
    const tz = "America/Havana";
    expectDay(tz, "2026-03-08", "2026-03-08T01:00:00-04:00", "2026-03-09T00:00:00-04:00", 23);
    // The day starts at the first midnight; the second one (00:30 CST) is inside it.
    expectDay(tz, "2026-11-01", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25);
    expect(dayStartMs(at("2026-11-01T00:30:00-05:00"), tz)).toBe(at("2026-11-01T00:00:00-04:00"));
  });

  it("Asia/Beirut 2023: spring forward at midnight, fall back from midnight to 23:00", () => {
    const tz = "Asia/Beirut";
    expectDay(tz, "2023-03-26", "2023-03-26T01:00:00+03:00", "2023-03-27T00:00:00+03:00", 23);
    expectDay(tz, "2023-10-28", "2023-10-28T00:00:00+03:00", "2023-10-29T00:00:00+02:00", 25);
  });

  it("America/Asuncion: October 2023 starts at 01:00 on the 1st", () => {
    const tz = "America/Asuncion";
    const x = at("2023-10-15T12:00:00-03:00");
    expect(monthStartMs(x, tz)).toBe(at("2023-10-01T01:00:00-03:00"));
    expect(monthEndMs(at("2023-09-30T23:59:59.900-04:00"), tz)).toBe(
      at("2023-10-01T01:00:00-03:00"),
    );
    expect(periodKeys(at("2023-10-01T01:00:00-03:00") - 100, tz)).toEqual({
      day: "2023-09-30",
      month: "2023-09",
    });
  });
});

describe("months, leap years and year ends", () => {
  it("February 2028 has a 29th; February 2027 does not", () => {
    const tz = "Europe/Berlin";
    const lastMs = at("2028-03-01T00:00:00+01:00");
    expect(periodKeys(lastMs - 100, tz)).toEqual({ day: "2028-02-29", month: "2028-02" });
    expect(periodKeys(lastMs + 100, tz)).toEqual({ day: "2028-03-01", month: "2028-03" });
    expect(monthEndMs(lastMs - 100, tz)).toBe(lastMs);
    expect(monthStartMs(lastMs - 100, tz)).toBe(at("2028-02-01T00:00:00+01:00"));
    expect(monthStartMs(lastMs + 100, tz)).toBe(lastMs);
    expect(hours(lastMs - monthStartMs(lastMs - 100, tz))).toBe(29 * 24);
    expectDay(tz, "2028-02-29", "2028-02-29T00:00:00+01:00", "2028-03-01T00:00:00+01:00", 24);

    const march2027 = at("2027-03-01T00:00:00+01:00");
    expect(periodKeys(march2027 - 100, tz).day).toBe("2027-02-28");
    expect(hours(monthEndMs(march2027 - 100, tz) - monthStartMs(march2027 - 100, tz))).toBe(
      28 * 24,
    );
  });

  it("months with a DST change are an hour shorter or longer", () => {
    const tz = "Europe/Berlin";
    const march = at("2026-03-15T12:00:00+01:00");
    expect(monthStartMs(march, tz)).toBe(at("2026-03-01T00:00:00+01:00"));
    expect(monthEndMs(march, tz)).toBe(at("2026-04-01T00:00:00+02:00"));
    expect(hours(monthEndMs(march, tz) - monthStartMs(march, tz))).toBe(31 * 24 - 1);
    const nov = at("2026-11-15T12:00:00-05:00");
    const ny = "America/New_York";
    expect(monthStartMs(nov, ny)).toBe(at("2026-11-01T00:00:00-04:00"));
    expect(hours(monthEndMs(nov, ny) - monthStartMs(nov, ny))).toBe(30 * 24 + 1);
  });

  it("the year ends at local midnight, not UTC midnight", () => {
    const tz = "America/New_York";
    const newYear = at("2027-01-01T00:00:00-05:00");
    expect(periodKeys(newYear - 100, tz)).toEqual({ day: "2026-12-31", month: "2026-12" });
    expect(periodKeys(newYear + 100, tz)).toEqual({ day: "2027-01-01", month: "2027-01" });
    expect(monthEndMs(newYear - 100, tz)).toBe(newYear);
    expect(dayEndMs(newYear - 100, tz)).toBe(newYear);
    expect(monthStartMs(newYear + 100, tz)).toBe(newYear);
    expect(monthEndMs(newYear + 100, tz)).toBe(at("2027-02-01T00:00:00-05:00"));
    expect(monthStartMs(newYear - 100, tz)).toBe(at("2026-12-01T00:00:00-05:00"));
    // At UTC midnight on 1 January it is still 31 December in New York.
    expect(dayOf(at("2027-01-01T00:00:00Z"), tz)).toBe("2026-12-31");
  });
});

describe("fractional offsets and the date line", () => {
  it("Asia/Kolkata (+05:30)", () => {
    const tz = "Asia/Kolkata";
    expectDay(tz, "2026-05-10", "2026-05-10T00:00:00+05:30", "2026-05-11T00:00:00+05:30", 24);
    expect(dayStartMs(at("2026-05-10T12:00:00Z"), tz)).toBe(at("2026-05-09T18:30:00Z"));
    expect(monthEndMs(at("2026-05-31T18:29:59.900Z"), tz)).toBe(at("2026-05-31T18:30:00Z"));
  });

  it("Asia/Kathmandu (+05:45); 1986 began at 00:15 when it moved from +05:30", () => {
    const tz = "Asia/Kathmandu";
    expectDay(tz, "2026-05-10", "2026-05-10T00:00:00+05:45", "2026-05-11T00:00:00+05:45", 24);
    expectDay(tz, "1986-01-01", "1986-01-01T00:15:00+05:45", "1986-01-02T00:00:00+05:45", 23.75);
    expect(monthStartMs(at("1986-01-20T00:00:00Z"), tz)).toBe(at("1985-12-31T18:30:00Z"));
  });

  it("Pacific/Kiritimati (+14) is a day ahead of UTC for 14 hours", () => {
    const tz = "Pacific/Kiritimati";
    const newYear = at("2026-01-01T00:00:00+14:00");
    expect(newYear).toBe(at("2025-12-31T10:00:00Z"));
    expectDay(tz, "2026-01-01", "2026-01-01T00:00:00+14:00", "2026-01-02T00:00:00+14:00", 24);
    expect(periodKeys(newYear - 100, tz)).toEqual({ day: "2025-12-31", month: "2025-12" });
    expect(monthEndMs(newYear - 100, tz)).toBe(newYear);
    expect(monthStartMs(newYear + 100, tz)).toBe(newYear);
  });

  it("Kiritimati skipped 1994-12-31 and Apia skipped 2011-12-30", () => {
    const kiri = "Pacific/Kiritimati";
    expectDay(kiri, "1994-12-30", "1994-12-30T00:00:00-10:00", "1995-01-01T00:00:00+14:00", 24);
    expect(monthEndMs(at("1994-12-15T00:00:00Z"), kiri)).toBe(at("1994-12-31T10:00:00Z"));
    expect(
      hours(monthEndMs(at("1994-12-15T00:00:00Z"), kiri) - at("1994-12-01T00:00:00-10:00")),
    ).toBe(30 * 24);

    const apia = "Pacific/Apia";
    expectDay(apia, "2011-12-29", "2011-12-29T00:00:00-10:00", "2011-12-31T00:00:00+14:00", 24);
    const dec = at("2011-12-15T00:00:00Z");
    expect(monthStartMs(dec, apia)).toBe(at("2011-12-01T00:00:00-10:00"));
    expect(monthEndMs(dec, apia)).toBe(at("2012-01-01T00:00:00+14:00"));
    // The month after the jump: the guess from 31 December's offset lands in November.
    const lastDay = at("2011-12-31T12:00:00+14:00");
    expect(monthStartMs(lastDay, apia)).toBe(at("2011-12-01T00:00:00-10:00"));
    expect(hours(monthEndMs(lastDay, apia) - monthStartMs(lastDay, apia))).toBe(30 * 24);
  });
});

describe("historical date-line jumps backwards", () => {
  it("Apia 1892 lived 4 July twice: one 48-hour day and a 32-day July", () => {
    const tz = "Pacific/Apia";
    // Offsets were +12:33:04 before and -11:26:56 after; Date.parse takes no seconds in offsets.
    expectDay(tz, "1892-07-04", "1892-07-03T11:26:56Z", "1892-07-05T11:26:56Z", 48);
    // From late July the guess made with the new offset lands on 2 July: the month walks back.
    const late = at("1892-07-25T00:00:00Z");
    expect(monthStartMs(late, tz)).toBe(at("1892-06-30T11:26:56Z"));
    expect(monthEndMs(late, tz)).toBe(at("1892-08-01T11:26:56Z"));
    expect(hours(monthEndMs(late, tz) - monthStartMs(late, tz))).toBe(32 * 24);
  });

  it("Sitka 1867 went from 19 October back to 18 October at 15:30: windows are contiguous runs", () => {
    const tz = "America/Sitka";
    // At 15:30 on the 19th (+14:58:47) clocks went back to 15:30 on the 18th (-09:01:13).
    const jump = at("1867-10-19T00:31:13Z");
    expect(dayOf(jump - 1, tz)).toBe("1867-10-19");
    expect(dayOf(jump, tz)).toBe("1867-10-18");
    expect(dayStartMs(jump - 1, tz)).toBe(at("1867-10-18T09:01:13Z"));
    expect(dayEndMs(jump - 1, tz)).toBe(jump);
    expect(dayStartMs(jump, tz)).toBe(jump);
    expect(dayEndMs(jump, tz)).toBe(at("1867-10-19T09:01:13Z"));
    expect(dayOf(at("1867-10-19T09:01:13Z"), tz)).toBe("1867-10-19");
    const late = at("1867-10-25T12:00:00Z");
    expect(monthStartMs(late, tz)).toBe(at("1867-09-30T09:01:13Z"));
    expect(monthEndMs(late, tz)).toBe(at("1867-11-01T09:01:13Z"));
  });
});

describe("invariants over seeded random instants", () => {
  const ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Apia",
  ];
  const FROM = at("1996-01-01T00:00:00Z");
  const TO = at("2040-01-01T00:00:00Z");
  const PER_ZONE = 300;

  const rng = seededRandom;

  it.each(ZONES)("%s", (tz) => {
    const random = rng([...tz].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 0x5eed));
    // An independent oracle for the keys: en-CA formats dates as YYYY-MM-DD.
    const oracle = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    for (let i = 0; i < PER_ZONE; i++) {
      const r = FROM + Math.floor(random() * (TO - FROM));
      // Random instants almost never sit on a boundary, so also probe the start of r's day.
      const s0 = dayStartMs(r, tz);
      for (const x of [r, s0 - 1, s0, s0 + 1]) {
        const keys = periodKeys(x, tz);
        expect(keys.day).toBe(oracle.format(x));
        expect(keys.month).toBe(keys.day.slice(0, 7));

        const start = dayStartMs(x, tz);
        const end = dayEndMs(x, tz);
        expect(start).toBeLessThanOrEqual(x);
        expect(end).toBeGreaterThan(x);
        expect(dayOf(start, tz)).toBe(keys.day);
        expect(dayOf(start - 1, tz)).not.toBe(keys.day);
        expect(dayOf(end - 1, tz)).toBe(keys.day);
        expect(dayOf(end, tz)).not.toBe(keys.day);
        expect(dayStartMs(end, tz)).toBe(end);
        expect(dayEndMs(start - 1, tz)).toBe(start);
        expect([23, 23.5, 24, 24.5, 25]).toContain(hours(end - start));

        const mStart = monthStartMs(x, tz);
        const mEnd = monthEndMs(x, tz);
        expect(mStart).toBeLessThanOrEqual(start);
        expect(mEnd).toBeGreaterThanOrEqual(end);
        expect(periodKeys(mStart, tz).month).toBe(keys.month);
        expect(periodKeys(mStart - 1, tz).month).not.toBe(keys.month);
        expect(periodKeys(mEnd - 1, tz).month).toBe(keys.month);
        expect(periodKeys(mEnd, tz).month).not.toBe(keys.month);
        expect(dayStartMs(mStart, tz)).toBe(mStart);
        expect(dayStartMs(mEnd, tz)).toBe(mEnd);
        expect(monthStartMs(mEnd, tz)).toBe(mEnd);
      }
    }
  });

  it("consecutive calls inside one day (the cached path) agree with the oracle", () => {
    const tz = "Europe/Berlin";
    const oracle = new Intl.DateTimeFormat("en-CA", { timeZone: tz });
    const start = at("2026-10-25T00:00:00+02:00");
    const end = at("2026-10-26T00:00:00+01:00");
    for (let x = start - 10 * 60_000; x < end + 10 * 60_000; x += 60_000) {
      expect(dayOf(x, tz)).toBe(oracle.format(x));
      expect(dayStartMs(x, tz)).toBe(
        x < start ? at("2026-10-24T00:00:00+02:00") : x < end ? start : end,
      );
    }
  });
});

describe("time zone names", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("isValidTimeZone accepts IANA zones and refuses everything else", () => {
    for (const tz of ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"]) {
      expect(isValidTimeZone(tz), tz).toBe(true);
    }
    for (const tz of ["Mars/Base", "", "UTC+5", "+05:00", "-03:00", "Etc/Unknown", " UTC"]) {
      expect(isValidTimeZone(tz), JSON.stringify(tz)).toBe(false);
    }
  });

  it("the period functions throw a RangeError for an unknown zone or an unusable instant", () => {
    expect(() => periodKeys(0, "Mars/Base")).toThrow(RangeError);
    expect(() => dayEndMs(0, "UTC+5")).toThrow(RangeError);
    for (const ms of [NaN, Infinity, -Infinity, 8.64e15, at("0001-01-01T12:00:00Z")]) {
      expect(() => periodKeys(ms, "UTC"), String(ms)).toThrow(RangeError);
      expect(() => monthEndMs(ms, "UTC"), String(ms)).toThrow(RangeError);
    }
    expect(periodKeys(at("9999-12-30T12:00:00Z"), "UTC").day).toBe("9999-12-30");
    expect(monthEndMs(at("9999-12-30T12:00:00Z"), "UTC")).toBe(at("+010000-01-01T00:00:00Z"));
  });

  it("systemTimeZone returns the machine's zone, or UTC when Intl cannot tell", () => {
    expect(isValidTimeZone(systemTimeZone())).toBe(true);
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, "resolvedOptions");
    spy.mockReturnValue({ timeZone: "Etc/Unknown" } as Intl.ResolvedDateTimeFormatOptions);
    expect(systemTimeZone()).toBe("UTC");
    spy.mockReturnValue({} as Intl.ResolvedDateTimeFormatOptions);
    expect(systemTimeZone()).toBe("UTC");
    spy.mockReturnValue({ timeZone: "Asia/Tokyo" } as Intl.ResolvedDateTimeFormatOptions);
    expect(systemTimeZone()).toBe("Asia/Tokyo");
  });

  it("copes with ICU versions that print midnight as hour 24", () => {
    const original = Intl.DateTimeFormat.prototype.formatToParts;
    vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts").mockImplementation(function (
      this: Intl.DateTimeFormat,
      date?: Date | number,
    ) {
      return original
        .call(this, date)
        .map((p) => (p.type === "hour" && p.value === "00" ? { ...p, value: "24" } : p));
    });
    // A zone no other test uses, so nothing is cached for it yet.
    const tz = "Asia/Seoul";
    expectDay(tz, "2026-06-15", "2026-06-15T00:00:00+09:00", "2026-06-16T00:00:00+09:00", 24);
    expect(monthStartMs(at("2026-06-15T12:00:00+09:00"), tz)).toBe(at("2026-06-01T00:00:00+09:00"));
  });
});
