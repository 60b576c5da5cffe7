/**
 * The guard step's detectors (issue 16): secrets ("KeyVault") and PII, offline, no model.
 * - Secrets: gitleaks' rule set as data plus Benchtop's own rules (./rules.ts), keyword
 *   prefilter, entropy, allowlists (./secrets.ts).
 * - PII: validators per type (./pii/): email, phone (libphonenumber-js), payment card (Luhn +
 *   issuer), IBAN (length + mod 97), IPv4/IPv6, US SSN, UK NINO, date of birth (a date after a
 *   cue), street address (heuristic). Person names are not detected: no offline name detector
 *   that is reliable enough fits the latency budget (≤ 1 ms per 16 KB for the whole guard);
 *   name lists and capitalisation heuristics flag too much ordinary prose and code.
 * Findings never overlap within one call; `value === text.slice(start, end)`.
 */
import type { Finding, PiiType } from "../types.js";
import { scanPii } from "./pii/index.js";
import { loadSecretRules, type SecretRuleSet } from "./rules.js";
import { SecretScanner } from "./secrets.js";

export { loadSecretRules, type SecretRuleSet, type SecretRule } from "./rules.js";

export interface Detectors {
  /** Secrets in `text` (non-overlapping, in order of start). */
  secrets(text: string): Finding[];
  /** PII in `text` of the given types (all PII_TYPES when absent), non-overlapping, by start. */
  pii(text: string, types?: ReadonlySet<PiiType>): Finding[];
}

/**
 * Builds detectors from the rule data (resources/guard/secret-rules.json and
 * secret-rules.benchtop.json by default). Compiles every regex once; build once, reuse.
 */
export function createDetectors(rules: SecretRuleSet = loadSecretRules()): Detectors {
  const scanner = new SecretScanner(rules);
  return {
    secrets: (text) => scanner.scan(text),
    pii: (text, types) => scanPii(text, types),
  };
}
