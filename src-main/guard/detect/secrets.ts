import type { Finding } from "../types.js";
import { KeywordIndex } from "./keywords.js";
import { resolveOverlaps, type Candidate } from "./overlap.js";
import type { SecretAllowlist, SecretRule, SecretRuleSet } from "./rules.js";

/**
 * Secret scanning with gitleaks' semantics, compiled once per rule set:
 * 1. keyword prefilter: one case-insensitive pass (Aho–Corasick) finds which rule keywords
 *    occur; a rule runs only if one of its keywords does (rules without keywords always run);
 * 2. each rule's regex runs over the text; its `secretGroup` (default: the first non-empty
 *    group, else the whole match) is the secret, so `api_key = "…"` redacts only the value;
 *    leading/trailing newlines of the match are trimmed as gitleaks does;
 * 3. the secret must exceed the rule's entropy threshold (Shannon, bits per character);
 * 4. the global allowlists, then the rule's, may discard it (regexes on secret/match/line,
 *    stopwords as lower-case substrings of the secret);
 * 5. overlapping findings keep the higher `priority` (default 1, `generic` rules 0), then the
 *    longer, then the earlier rule.
 * Not done: gitleaks' decoding of base64/hex/percent-encoded fragments, and `gitleaks:allow`
 * comments (a prompt cannot opt a secret out).
 */
interface Compiled {
  rule: SecretRule;
  /** How far the match start may reach back over [\w.-] (the stripped lazy prefix), else 0. */
  back: number;
  /** Global + sticky scanner. */
  scan: RegExp;
  /** Same pattern with indices (d) and sticky (y): run once per match to find the group span. */
  locate: RegExp | undefined;
  group: number | undefined;
  allowlists: CompiledAllowlist[];
  priority: number;
}
interface CompiledAllowlist {
  target: SecretAllowlist["target"];
  and: boolean;
  regexes: RegExp[];
  stopwords: string[];
}

export class SecretScanner {
  private readonly compiled: Compiled[];
  private readonly always: Compiled[];
  private readonly byKeyword = new Map<string, Compiled[]>();
  private readonly keywords: KeywordIndex;
  private readonly global: CompiledAllowlist[];

  constructor(set: SecretRuleSet) {
    this.global = set.allowlists.map(compileAllowlist);
    this.compiled = set.rules.map((rule) => {
      const groups = countGroups(rule.regex.source, rule.regex.flags);
      const group = rule.secretGroup;
      const { source, back } = stripLazyPrefix(rule.regex.source);
      return {
        rule,
        back,
        scan: new RegExp(source, rule.regex.flags + "g"),
        locate:
          groups > 0 && group !== 0
            ? new RegExp(rule.regex.source, rule.regex.flags + "dy")
            : undefined,
        group,
        allowlists: rule.allowlists.map(compileAllowlist),
        priority: rule.priority ?? (rule.type === "generic" ? 0 : 1),
      };
    });
    this.always = this.compiled.filter((c) => c.rule.keywords.length === 0);
    for (const c of this.compiled) {
      for (const k of c.rule.keywords) {
        const list = this.byKeyword.get(k) ?? [];
        list.push(c);
        this.byKeyword.set(k, list);
      }
    }
    this.keywords = new KeywordIndex(this.byKeyword.keys());
  }

  /** Number of compiled rules (for reports). */
  get size(): number {
    return this.compiled.length;
  }

  scan(text: string): Finding[] {
    if (text.length === 0) return [];
    const present = this.keywords.present(text);
    const run = new Set<Compiled>(this.always);
    for (const k of present) for (const c of this.byKeyword.get(k)!) run.add(c);
    const candidates: Candidate[] = [];
    // Rule order (file order) is the tie-break; iterate in it.
    for (const c of this.compiled) if (run.has(c)) this.runRule(c, text, candidates);
    return resolveOverlaps(candidates);
  }

  private runRule(c: Compiled, text: string, out: Candidate[]) {
    const re = c.scan;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let previousEnd = 0;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      // The stripped prefix: the match starts as far back over [\w.-] as the original reached.
      let mStart = m.index;
      const floor = Math.max(previousEnd, m.index - c.back);
      while (mStart > floor && WORDISH.test(text[mStart - 1]!)) mStart--;
      previousEnd = m.index + m[0].length;
      // gitleaks trims newlines around the match (a regex ending in \n or [\s\S]).
      let mEnd = m.index + m[0].length;
      while (mStart < mEnd && text[mStart] === "\n") mStart++;
      while (mEnd > mStart && text[mEnd - 1] === "\n") mEnd--;
      let start = mStart;
      let end = mEnd;
      if (c.locate) {
        // The located span is found from the scan's own start: same pattern, same match.
        c.locate.lastIndex = m.index;
        const located = c.locate.exec(text);
        const idx = located?.indices;
        if (idx) {
          const span =
            c.group !== undefined ? idx[c.group] : idx.slice(1).find((s) => s && s[1] > s[0]);
          if (span) [start, end] = [span[0], span[1]];
        }
      }
      if (end <= start) continue;
      const secret = text.slice(start, end);
      if (c.rule.entropy !== undefined && shannonEntropy(secret) <= c.rule.entropy) continue;
      const match = text.slice(mStart, mEnd);
      if (this.global.some((a) => allowed(a, secret, match, text, mStart, mEnd))) continue;
      if (c.allowlists.some((a) => allowed(a, secret, match, text, mStart, mEnd))) continue;
      out.push({
        finding: { kind: "secret", type: c.rule.type, rule: c.rule.id, start, end, value: secret },
        priority: c.priority,
      });
    }
  }
}

const WORDISH = /[\w.-]/;
const LAZY_PREFIX = "[\\w\\.\\-]{0,50}?";

/**
 * gitleaks' vendor rules start `[\w.-]{0,50}?(?:vendor)…` (some twice, the second inside a
 * group). Under a backtracking engine that lazy prefix makes every text position cost up to 50
 * attempts (≈0.3–3 ms per rule on 16 KB); RE2 does not pay it. The prefix only moves the match
 * start back over identifier characters, never decides whether or where the rest matches, so it
 * is stripped for scanning and the start is re-extended afterwards (up to 50 characters per
 * stripped prefix, not before the previous match's end): same secrets, same match text for the
 * `match`-target allowlists. The (?:locate) pattern keeps the original source: it is anchored at
 * the stripped scan's start, where the empty prefix matches.
 */
export function stripLazyPrefix(source: string): { source: string; back: number } {
  let back = 0;
  let s = source;
  for (;;) {
    if (s.startsWith(LAZY_PREFIX)) s = s.slice(LAZY_PREFIX.length);
    else if (s.startsWith("(?:" + LAZY_PREFIX)) s = "(?:" + s.slice(3 + LAZY_PREFIX.length);
    else return { source: s, back };
    back += 50;
  }
}

function compileAllowlist(a: SecretAllowlist): CompiledAllowlist {
  return {
    target: a.target,
    and: a.condition === "AND",
    regexes: a.regexes.map((r) => new RegExp(r.source, r.flags)),
    stopwords: a.stopwords,
  };
}

function allowed(
  a: CompiledAllowlist,
  secret: string,
  match: string,
  text: string,
  s: number,
  e: number,
): boolean {
  const checks: boolean[] = [];
  if (a.regexes.length) {
    let subject = secret;
    if (a.target === "match") subject = match;
    else if (a.target === "line") {
      const lineStart = text.lastIndexOf("\n", s - 1) + 1;
      const nl = text.indexOf("\n", e);
      subject = text.slice(lineStart, nl < 0 ? text.length : nl);
    }
    checks.push(a.regexes.some((r) => r.test(subject)));
  }
  if (a.stopwords.length) {
    const lower = secret.toLowerCase();
    checks.push(a.stopwords.some((w) => lower.includes(w)));
  }
  if (checks.length === 0) return false;
  return a.and ? checks.every(Boolean) : checks.some(Boolean);
}

/** Shannon entropy of `s` in bits per character (code point), as gitleaks computes it. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  let n = 0;
  for (const ch of s) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const count of counts.values()) {
    const p = count / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Capturing groups in a pattern (matching the empty string reports them all). */
function countGroups(source: string, flags: string): number {
  return new RegExp(`${source}|`, flags).exec("")!.length - 1;
}
