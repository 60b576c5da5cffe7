import fs from "node:fs";
import { z } from "zod";
import { resourceFile } from "../../platform/resources.js";

/**
 * The secret rules as data: resources/guard/secret-rules.json (gitleaks' rule set, converted by
 * scripts/convertGitleaksRules.ts) and resources/guard/secret-rules.benchtop.json (Benchtop's own
 * additions, each with its reason). Regexes are JavaScript source + flags.
 */
const JsRegex = z.object({ source: z.string(), flags: z.string().regex(/^[imsu]*$/) });

const Allowlist = z.object({
  /** What the regexes test: the secret (default), the whole match, or the match's line. */
  target: z.enum(["secret", "match", "line"]).default("secret"),
  /** AND: every kind given (regexes, stopwords) must hit; default OR: any one. */
  condition: z.literal("AND").optional(),
  regexes: z.array(JsRegex).default([]),
  /** Lower-case substrings of the secret that make it not one. */
  stopwords: z.array(z.string()).default([]),
});

const Rule = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  description: z.string().optional(),
  regex: JsRegex,
  /** Lower-case; the rule runs only when one occurs in the text. None: it always runs. */
  keywords: z.array(z.string()).default([]),
  /** The capture group that is the secret; 0 = the whole match. Default: the first non-empty. */
  secretGroup: z.number().int().nonnegative().optional(),
  /** Shannon entropy (bits/char) the secret must exceed. */
  entropy: z.number().optional(),
  allowlists: z.array(Allowlist).default([]),
  /** Which of two overlapping findings stays: higher first. Default 1; `generic` type 0. */
  priority: z.number().int().optional(),
});

const RuleFile = z.object({
  source: z.object({ name: z.string() }).passthrough(),
  allowlist: Allowlist.default({ target: "secret", regexes: [], stopwords: [] }),
  rules: z.array(Rule),
  dropped: z.array(z.object({ id: z.string(), reason: z.string() })).default([]),
});

export type SecretAllowlist = z.infer<typeof Allowlist>;
export type SecretRule = z.infer<typeof Rule> & { source: string };

/** Rules from one or more files, in file order, and the allowlists that apply to every rule. */
export interface SecretRuleSet {
  rules: SecretRule[];
  allowlists: SecretAllowlist[];
}

export const DEFAULT_RULE_FILES = ["guard/secret-rules.json", "guard/secret-rules.benchtop.json"];

/**
 * Reads the secret rules. Without `path`: both shipped files (gitleaks' then Benchtop's); with
 * `path`: that one file. A missing or malformed file throws: a guard without its rules would
 * let secrets out while looking on.
 */
export function loadSecretRules(path?: string): SecretRuleSet {
  const files = path ? [path] : DEFAULT_RULE_FILES.map((f) => resourceFile(f));
  const set: SecretRuleSet = { rules: [], allowlists: [] };
  for (const file of files) {
    const parsed = RuleFile.parse(JSON.parse(fs.readFileSync(file, "utf8")));
    const source = parsed.source.name;
    set.rules.push(...parsed.rules.map((r) => ({ ...r, source })));
    if (parsed.allowlist.regexes.length || parsed.allowlist.stopwords.length)
      set.allowlists.push(parsed.allowlist);
  }
  return set;
}
