import type { Finding } from "../types.js";

export interface Candidate {
  finding: Finding;
  /** Higher wins an overlap. */
  priority: number;
}

/**
 * Non-overlapping findings, by start. Of overlapping candidates the higher priority stays, then
 * the longer span, then the one found first (rule order). Greedy over that ranking: each
 * candidate is kept if it overlaps none kept before it.
 */
export function resolveOverlaps(candidates: Candidate[]): Finding[] {
  if (candidates.length <= 1) return candidates.map((c) => c.finding);
  const ranked = candidates
    .map((c, order) => ({ c, order }))
    .sort(
      (a, b) =>
        b.c.priority - a.c.priority ||
        b.c.finding.end - b.c.finding.start - (a.c.finding.end - a.c.finding.start) ||
        a.order - b.order,
    );
  const kept: Finding[] = [];
  for (const { c } of ranked) {
    const f = c.finding;
    if (kept.every((k) => f.end <= k.start || f.start >= k.end)) kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end);
}
