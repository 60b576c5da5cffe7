import type { MessageDto } from "@contract";
import { formatMoney } from "./formatMoney";

/**
 * The line under an answer: tokens in and out, time to first token, speed, cost and how it
 * ended — each part only when known. Cost comes from the server's ledger; until it has settled
 * (a moment after Stop) the line says so instead of showing $0. A failed answer without a cost
 * says nothing about it (a refused request is never charged).
 */
export function messageMetricsText(m: MessageDto): string | null {
  if (m.role !== "assistant") return null;
  const parts: string[] = [];
  if (m.prompt_tokens !== null && m.completion_tokens !== null)
    parts.push(`${m.prompt_tokens} in · ${m.completion_tokens} out tokens`);
  if (m.ttft_ms !== null) parts.push(`first token ${m.ttft_ms} ms`);
  if (m.tokens_per_s !== null) parts.push(`${m.tokens_per_s.toFixed(1)} tokens/s`);
  if (m.cost_micros !== null) parts.push(formatMoney(m.cost_micros, { minDecimals: 2 }));
  // A refused request (a limit, a model not allowed) has no ledger row: nothing is pending.
  else if (m.request_id && !m.error) parts.push("cost pending");
  if (m.finish_reason === "aborted") parts.push("stopped");
  else if (m.finish_reason === "length") parts.push("cut off at the token limit");
  return parts.length ? parts.join(" · ") : null;
}

/** Splits a search snippet into plain and matched runs (the API marks matches STX … ETX). */
export function snippetRuns(
  snippet: string,
  start: string,
  end: string,
): { text: string; match: boolean }[] {
  const runs: { text: string; match: boolean }[] = [];
  let rest = snippet;
  for (;;) {
    const a = rest.indexOf(start);
    if (a < 0) break;
    const b = rest.indexOf(end, a + start.length);
    if (b < 0) break;
    if (a > 0) runs.push({ text: rest.slice(0, a), match: false });
    runs.push({ text: rest.slice(a + start.length, b), match: true });
    rest = rest.slice(b + end.length);
  }
  if (rest) runs.push({ text: rest, match: false });
  return runs;
}
