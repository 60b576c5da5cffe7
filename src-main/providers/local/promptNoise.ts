import fs from "node:fs";
import { z } from "zod";
import type { EngineMessage } from "../../engine/protocol.js";
import { resourceFile } from "../../platform/resources.js";

/**
 * Per-request noise in front of a stable prompt, neutralised for local models so that turn N+1
 * of a conversation shares its token prefix with turn N and lands on the sequence that holds it
 * (the engine prefers the free sequence with the longest shared prefix). The rules are data:
 * `resources/rules/prompt-noise.json`, each naming the client and where the shape was reported.
 *
 * The one real case so far is Claude Code's `x-anthropic-billing-header: cc_version=…;
 * cc_entrypoint=…; cch=…;` line, sent as `system[0]` since 2.1.36. Its version suffix and `cch`
 * are derived from the request body, so the line differs on every turn; at the very start of the
 * prompt it made every turn re-evaluate the whole prompt (60k tokens: 50 s instead of 3.65 s,
 * vllm-mlx #277).
 *
 * Such lines are dropped, not moved. They are attribution for Anthropic's own backend and mean
 * nothing to a local model. Moved anywhere in the prompt they would still sit in a position the
 * next turn renders again (the system prompt's end, or the last user message, which is history
 * the next turn), so the prefix would still differ there and everything after it re-evaluate.
 * Only system text is touched: user and assistant content is never rewritten. Remote pools get
 * the request unchanged (only the local provider calls this), so Anthropic still sees the line.
 */

const RulesFile = z.object({
  rules: z.array(
    z.object({
      id: z.string().min(1),
      /** A line of system text that starts with this (after leading blanks) is dropped. */
      linePrefix: z.string().min(1),
    }),
  ),
});

export type PromptNoiseRule = z.infer<typeof RulesFile>["rules"][number];

/**
 * Reads the rules. An unreadable or malformed file gives no rules: requests are then served
 * unchanged (slower turns, same answers) rather than refused.
 */
export function loadPromptNoiseRules(
  file = resourceFile("rules/prompt-noise.json"),
): PromptNoiseRule[] {
  try {
    return RulesFile.parse(JSON.parse(fs.readFileSync(file, "utf8"))).rules;
  } catch {
    return [];
  }
}

let shipped: PromptNoiseRule[] | undefined;
/** The shipped rules, read once (they are data in the app bundle; nothing edits them at run time). */
export function promptNoiseRules(): PromptNoiseRule[] {
  return (shipped ??= loadPromptNoiseRules());
}

/**
 * `messages` with the noise lines of their system messages dropped. A system message that held
 * nothing else is dropped with them. Messages without noise are returned as they are (same
 * objects), so a request without noise renders exactly as before.
 */
export function withoutPromptNoise(
  messages: EngineMessage[],
  rules: readonly PromptNoiseRule[] = promptNoiseRules(),
): EngineMessage[] {
  if (rules.length === 0) return messages;
  const out: EngineMessage[] = [];
  for (const m of messages) {
    if (m.role !== "system") {
      out.push(m);
      continue;
    }
    const content = withoutNoiseLines(m.content, rules);
    if (content === m.content) out.push(m);
    else if (content.trim() !== "") out.push({ role: "system", content });
  }
  return out;
}

/**
 * `text` without the lines that start with a rule's prefix. The blank line that separated a
 * dropped line from the next block goes with it (Anthropic system blocks are joined with a blank
 * line), as does the one before a dropped last line, so the text around it reads as if the
 * block had never been sent.
 */
export function withoutNoiseLines(text: string, rules: readonly PromptNoiseRule[]): string {
  const isNoise = (line: string) => {
    const start = line.trimStart();
    return rules.some((r) => start.startsWith(r.linePrefix));
  };
  const lines = text.split("\n");
  if (!lines.some(isNoise)) return text;
  const kept: string[] = [];
  let endedOnNoise = false;
  for (let i = 0; i < lines.length; i++) {
    if (isNoise(lines[i]!)) {
      if (lines[i + 1] === "") i++;
      endedOnNoise = i >= lines.length - 1;
      continue;
    }
    kept.push(lines[i]!);
    endedOnNoise = false;
  }
  if (endedOnNoise && kept.at(-1) === "") kept.pop();
  return kept.join("\n");
}
