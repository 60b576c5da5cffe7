import type { ConnectionDto, TargetHealthDto } from "@contract";
import { formatDuration } from "../../lib/formatDuration";

/**
 * What one target's health (connection key × upstream model) means to a person, worst first:
 * a key that cannot be used, then a rest after 429, then an open circuit, then the rest.
 */
export type TargetCondition =
  "deleted" | "disabled" | "exhausted" | "resting" | "cooling" | "probing" | "healthy";

export interface TargetView {
  condition: TargetCondition;
  /** Short badge text, e.g. "Cooling down · 12s". */
  label: string;
  /** Mantine color for the badge. */
  color: string;
  /** A sentence for a tooltip or a second line: why, and until when. */
  detail: string;
}

const secondsLeft = (until: number, now: number) => formatDuration(Math.ceil((until - now) / 1000));

/** The state of `h` at `now` (ms since the epoch): time left is counted from the server's marks. */
export function describeTarget(h: TargetHealthDto, now: number): TargetView {
  if (h.key_status === "deleted")
    return { condition: "deleted", label: "Key deleted", color: "gray", detail: "Not used." };
  if (h.key_status === "disabled")
    return {
      condition: "disabled",
      label: "Key disabled",
      color: "red",
      detail: h.disabled_reason ? `Disabled: ${h.disabled_reason}.` : "Disabled.",
    };
  if (h.key_status === "exhausted" || h.exhausted) {
    const until = h.exhausted_until_ms;
    return {
      condition: "exhausted",
      label: until && until > now ? `Exhausted · ${secondsLeft(until, now)}` : "Exhausted",
      color: "orange",
      detail:
        "Quota or spend limit reached" +
        (until && until > now
          ? `; usable again in ${secondsLeft(until, now)}.`
          : "; re-enable it once topped up."),
    };
  }
  if (h.resting_until_ms !== null && h.resting_until_ms > now)
    return {
      condition: "resting",
      label: `Resting after 429 · ${secondsLeft(h.resting_until_ms, now)}`,
      color: "yellow",
      detail: `Rate-limited by the upstream; tried again in ${secondsLeft(h.resting_until_ms, now)}.`,
    };
  if (h.state === "open" && h.open_until_ms !== null && h.open_until_ms > now)
    return {
      condition: "cooling",
      label: `Cooling down · ${secondsLeft(h.open_until_ms, now)}`,
      color: "orange",
      detail: `${h.consecutive_failures} failures in a row; one probe request in ${secondsLeft(h.open_until_ms, now)}.`,
    };
  if (h.state !== "closed")
    return {
      condition: "probing",
      label: "Probing",
      color: "yellow",
      detail: "The cool-down is over: the next request is a probe that closes or reopens it.",
    };
  return {
    condition: "healthy",
    label: "Healthy",
    color: "teal",
    detail:
      h.consecutive_failures > 0
        ? `${h.consecutive_failures} recent failure${h.consecutive_failures > 1 ? "s" : ""}.`
        : "Serving.",
  };
}

/** "420 ms", or "—" before the first successful request. */
export const formatLatency = (ms: number | null): string => (ms === null ? "—" : `${ms} ms`);

export interface ConnectionSummary {
  /** Active keys / all keys (deleted ones are never listed). */
  activeKeys: number;
  totalKeys: number;
  /** Targets per condition, among `health`. */
  counts: Partial<Record<TargetCondition, number>>;
  /** Mean of the measured targets' latency; null when none is measured. */
  latencyMs: number | null;
  /** The worst condition among keys and targets, for one badge. */
  worst: TargetView;
}

/** Conditions from least to most severe. */
const SEVERITY: TargetCondition[] = [
  "healthy",
  "probing",
  "resting",
  "cooling",
  "exhausted",
  "disabled",
  "deleted",
];

/** The most severe of `views`; undefined for none. */
export function worstView(views: TargetView[]): TargetView | undefined {
  let worst: TargetView | undefined;
  for (const v of views)
    if (!worst || SEVERITY.indexOf(v.condition) > SEVERITY.indexOf(worst.condition)) worst = v;
  return worst;
}

/**
 * A connection's health in one line: its keys' statuses plus the live state of the pool targets
 * on it. A connection without keys or targets reads "No keys" / "Idle".
 */
export function summarizeConnection(
  c: ConnectionDto,
  health: TargetHealthDto[],
  now: number,
): ConnectionSummary {
  const counts: ConnectionSummary["counts"] = {};
  const views = health.map((h) => describeTarget(h, now));
  for (const v of views) counts[v.condition] = (counts[v.condition] ?? 0) + 1;
  let worst = worstView(views);
  const latencies = health.flatMap((h) => (h.latency_ms === null ? [] : [h.latency_ms]));
  const activeKeys = c.keys.filter((k) => k.status === "active").length;
  const totalKeys = c.keys.length;
  const latencyMs =
    latencies.length === 0
      ? null
      : Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length);
  if (totalKeys === 0)
    worst = { condition: "disabled", label: "No keys", color: "gray", detail: "Add a key." };
  else if (activeKeys === 0)
    worst = {
      condition: "disabled",
      label: "No active key",
      color: "red",
      detail: "Every key is disabled or exhausted: re-enable or add one.",
    };
  else if (!worst)
    worst = { condition: "healthy", label: "Idle", color: "gray", detail: "In no pool yet." };
  else if (worst.condition !== "healthy" && health.some((h) => h.available))
    // Some targets are held back but traffic still flows: say so rather than alarm.
    worst = { ...worst, label: `${worst.label} (partly)` };
  return { activeKeys, totalKeys, counts, latencyMs, worst };
}
