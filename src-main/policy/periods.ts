/**
 * Budget windows. Spend caps are daily and monthly in the organisation's IANA time zone, and a
 * request belongs to the window of its admission instant. This module turns an instant (UTC epoch
 * ms) into the local calendar day and month that contain it, and into the exact instants at which
 * those windows start and end, using only Intl (the zone rules are the ICU data Node ships with).
 *
 * "The first instant of the local day" is not always local midnight: a spring-forward at 00:00
 * (America/Santiago, America/Havana, Asia/Beirut) makes the day start at 01:00, a fall-back
 * repeats midnight (the day starts at the first one), and Pacific/Apia skipped 2011-12-30
 * altogether. A window is therefore the contiguous run of instants that share the local date, so
 * days last 23, 23.5, 24, 24.5 or 25 hours (22 and 26 at Antarctica/Troll, whose DST is two
 * hours) and `dayStartMs(dayEndMs(x)) === dayEndMs(x)` always.
 * History stretches this further: Apia's 1892-07-04 lasted 48 h, and where clocks went back
 * across midnight (Sitka 1867 from the 19th to the 18th, Phoenix 1944 at 00:01) a date recurs and
 * yields two windows with the same key. The search assumes at most one offset change between an
 * instant and its nearest local midnights; walking every day 1850–2040 of all 418 zones Intl
 * lists (Node 20, ICU 78, tzdata 2025c) against an independent Intl formatter found no exception.
 *
 * Every function throws a RangeError for a zone Intl rejects (check with `isValidTimeZone` when the
 * zone is configured) and for an instant outside 0001-01-02 … 9999-12-30 UTC, so that day keys are
 * always "YYYY-MM-DD".
 */
export interface PeriodKeys {
  /** Local calendar day, "YYYY-MM-DD". */
  day: string;
  /** Local calendar month, "YYYY-MM". */
  month: string;
}

const DAY_MS = 86_400_000;
const MIN_MS = -62_135_510_400_000; // 0001-01-02T00:00:00Z
const MAX_MS = 253_402_214_400_000; // 9999-12-31T00:00:00Z (exclusive)
/** Bound on the correcting steps below; real zones need at most two (one transition a day). */
const MAX_STEPS = 8;

/**
 * Per zone: the expensive formatter (building one costs far more than using it), plus the last
 * day and month windows computed, so that the per-request `periodKeys(Date.now(), tz)` is a map
 * lookup and two comparisons instead of a formatToParts call (~5 µs) every time.
 */
interface Zone {
  fmt: Intl.DateTimeFormat;
  day: Window;
  month: Window;
}
interface Window {
  start: number;
  end: number;
  key: string;
}
const EMPTY: Window = { start: 0, end: 0, key: "" };
// Keyed by the zone string as given; zones are configured by admins, so the map stays small.
const zones = new Map<string, Zone>();

/** Calendar day and month of `ms` (UTC epoch ms) in `timeZone`. */
export function periodKeys(ms: number, timeZone: string): PeriodKeys {
  const z = zone(timeZone);
  const day = dayWindow(z, ms);
  return { day: day.key, month: day.key.slice(0, 7) };
}

/** UTC epoch ms at which the local day containing `ms` ends = first instant of the next local day. */
export function dayEndMs(ms: number, timeZone: string): number {
  return dayWindow(zone(timeZone), ms).end;
}

/** UTC epoch ms of the first instant of the local day containing `ms` (01:00 where 00:00 is skipped). */
export function dayStartMs(ms: number, timeZone: string): number {
  return dayWindow(zone(timeZone), ms).start;
}

/** UTC epoch ms at which the local month containing `ms` ends = first instant of the next month's 1st. */
export function monthEndMs(ms: number, timeZone: string): number {
  return monthWindow(zone(timeZone), ms).end;
}

/** UTC epoch ms of the first instant of the local month containing `ms`. */
export function monthStartMs(ms: number, timeZone: string): number {
  return monthWindow(zone(timeZone), ms).start;
}

/**
 * True when `tz` is an IANA zone Intl accepts (e.g. "Europe/Berlin", "UTC"; Intl also accepts
 * other casings such as "europe/berlin"). Offset strings ("+05:00"), which newer V8 versions accept
 * as ECMA-402 offset zones, are refused: they have no DST and are not IANA names.
 */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz === "" || tz.startsWith("+") || tz.startsWith("-")) return false;
  try {
    zone(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The machine's zone, falling back to "UTC" when Intl cannot tell (ICU answers "Etc/Unknown" when
 * TZ names a zone it lacks, and some minimal builds answer nothing).
 */
export function systemTimeZone(): string {
  try {
    const tz = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && isValidTimeZone(tz)) return tz;
  } catch {
    // fall through to UTC
  }
  return "UTC";
}

function zone(tz: string): Zone {
  let z = zones.get(tz);
  if (!z) {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, // throws RangeError when Intl does not know the zone
      calendar: "gregory",
      numberingSystem: "latn",
      era: "short", // without it, 1 BC prints as year 1
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    z = { fmt, day: EMPTY, month: EMPTY };
    zones.set(tz, z);
  }
  return z;
}

function checkInstant(ms: number): void {
  if (!(ms >= MIN_MS && ms < MAX_MS)) {
    throw new RangeError(`instant ${ms} is outside 0001-01-02 … 9999-12-30 UTC`);
  }
}

function dayWindow(z: Zone, ms: number): Window {
  if (ms >= z.day.start && ms < z.day.end) return z.day;
  checkInstant(ms);
  const w = wallAt(z, ms);
  // Most days keep one offset from just before midnight to the next midnight: then they run
  // midnight to midnight, found with two formatToParts calls instead of the four of the search.
  let start = w.day * DAY_MS - w.offset;
  let end = start + DAY_MS;
  if (wallAt(z, start - 1).offset !== w.offset || wallAt(z, end).offset !== w.offset) {
    start = dayStart(z, ms, w);
    end = dayEnd(z, ms, w);
  }
  z.day = { start, end, key: dayKey(w.day) };
  return z.day;
}

function monthWindow(z: Zone, ms: number): Window {
  if (ms >= z.month.start && ms < z.month.end) return z.month;
  checkInstant(ms);
  const w = wallAt(z, ms);
  const [y, m] = civilFromDays(w.day);
  const first = daysFromCivil(y, m, 1);
  const next = m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
  const inMonth = (day: number): boolean => day >= first && day < next;

  // Start: guess local noon of the 1st with today's offset, which DST moves by an hour at most but
  // a date-line jump (Pacific/Apia, December 2011) by a whole day; walk to the right day from there.
  let t = Math.min(ms, first * DAY_MS + DAY_MS / 2 - w.offset);
  let tw = wallAt(z, t);
  for (let i = 0; i < MAX_STEPS && tw.day < first; i++) {
    t = dayEnd(z, t, tw);
    tw = wallAt(z, t);
  }
  let start = dayStart(z, t, tw);
  for (let i = 0; i < MAX_STEPS; i++) {
    const bw = wallAt(z, start - 1);
    if (!inMonth(bw.day)) break;
    start = dayStart(z, start - 1, bw);
  }

  // End: likewise from local noon of the last day.
  t = Math.max(ms, (next - 1) * DAY_MS + DAY_MS / 2 - w.offset);
  tw = wallAt(z, t);
  for (let i = 0; i < MAX_STEPS && tw.day >= next; i++) {
    t = dayStart(z, t, tw) - 1;
    tw = wallAt(z, t);
  }
  let end = dayEnd(z, t, tw);
  for (let i = 0; i < MAX_STEPS; i++) {
    const ew = wallAt(z, end);
    if (!inMonth(ew.day)) break;
    end = dayEnd(z, end, ew);
  }

  z.month = { start, end, key: dayKey(w.day).slice(0, 7) };
  return z.month;
}

/** The local wall clock at an instant: its calendar day (days since 1970-01-01) and UTC offset. */
interface Wall {
  day: number;
  offset: number;
}

function wallAt(z: Zone, ms: number): Wall {
  let era = "";
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of z.fmt.formatToParts(ms)) {
    switch (p.type) {
      case "era":
        era = p.value;
        break;
      case "year":
        y = Number(p.value);
        break;
      case "month":
        mo = Number(p.value);
        break;
      case "day":
        d = Number(p.value);
        break;
      case "hour":
        h = Number(p.value) % 24; // some ICU versions print midnight as 24 despite h23
        break;
      case "minute":
        mi = Number(p.value);
        break;
      case "second":
        s = Number(p.value);
        break;
    }
  }
  if (era === "BC") y = 1 - y;
  const day = daysFromCivil(y, mo, d);
  const msOfSecond = ((ms % 1000) + 1000) % 1000;
  const wall = day * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000 + msOfSecond;
  return { day, offset: wall - ms };
}

/**
 * First instant of the run of instants, ending at `ms`, whose local date is that of `ms`. Under the
 * current offset that is local midnight; if the offset differs there, a transition lies between
 * and the day starts either at the transition (midnight was skipped) or at midnight under the
 * earlier offset (the loop goes round once more).
 */
function dayStart(z: Zone, ms: number, w: Wall): number {
  let s = ms;
  let offset = w.offset;
  let x = ms;
  for (let i = 0; i < MAX_STEPS; i++) {
    const midnight = w.day * DAY_MS - offset; // <= s, since s's wall date is w.day
    const o = offset;
    x =
      wallAt(z, midnight).offset === o
        ? midnight
        : firstWhere(midnight, s, (t) => wallAt(z, t).offset === o);
    const before = wallAt(z, x - 1);
    if (before.day !== w.day) return x;
    s = x - 1;
    offset = before.offset;
  }
  return x;
}

/** First instant after `ms` whose local date differs from that of `ms`; mirror of dayStart. */
function dayEnd(z: Zone, ms: number, w: Wall): number {
  let s = ms;
  let offset = w.offset;
  let x = ms;
  for (let i = 0; i < MAX_STEPS; i++) {
    const midnight = (w.day + 1) * DAY_MS - offset; // > s
    const o = offset;
    x =
      wallAt(z, midnight - 1).offset === o
        ? midnight
        : firstWhere(s, midnight - 1, (t) => wallAt(z, t).offset !== o);
    const at = wallAt(z, x);
    if (at.day !== w.day) return x;
    s = x;
    offset = at.offset;
  }
  return x;
}

/**
 * Smallest t in (lo, hi] with pred(t), given !pred(lo) and pred(hi) and one change in between
 * (one offset transition). ICU keeps transitions in whole seconds, so bisect over whole seconds
 * first (~17 steps for a day instead of ~27) and fall back to milliseconds only if that fails.
 */
function firstWhere(lo: number, hi: number, pred: (t: number) => boolean): number {
  for (;;) {
    const a = Math.floor(lo / 1000) + 1;
    const b = Math.ceil(hi / 1000) - 1;
    if (a > b) break;
    const mid = Math.floor((a + b) / 2) * 1000;
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  if (hi % 1000 === 0 && hi - 1 > lo && !pred(hi - 1)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function dayKey(day: number): string {
  const [y, m, d] = civilFromDays(day);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any year). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
