/**
 * Shapes shared by the guard step (issue 16): what the detectors find, the policies that decide
 * what happens to it, and what a usage row records of it. The detectors live in `guard/detect/`,
 * the step the gateway calls in `guard/Guard.ts`.
 */

import { PII_MODES, PII_TYPES } from "../contract/manage/guard.js";

export { PII_MODES, PII_TYPES };
export type PiiType = (typeof PII_TYPES)[number];

/**
 * One thing found in one string. `type` is a PII type or a secret rule's category
 * (`aws`, `openai`, `github`, `private-key`, `jwt`, `generic`…, see resources/guard/secret-rules.json);
 * `rule` is the rule id that matched. `start`/`end` are UTF-16 offsets into the scanned string
 * and `value === text.slice(start, end)`. Values never leave the process: only counts per type
 * are recorded.
 */
export interface Finding {
  kind: "secret" | "pii";
  type: string;
  rule: string;
  start: number;
  end: number;
  value: string;
}

export type PiiMode = (typeof PII_MODES)[number];

/** The usage row's record of the guard step (`usage.guard_json`): counts, never values. */
export interface GuardRecord {
  /** Secrets found, per type; redacted unless `secrets_action` says otherwise. */
  secrets: Record<string, number>;
  /**
   * `redacted` (a remote target with KeyVault on), `off` (the connection turned it off),
   * `local` (a local target: nothing leaves the machine), `none` (nothing found).
   */
  secrets_action: "redacted" | "off" | "local" | "none";
  /** PII found, per type (empty when the policy is `off` or the target is local). */
  pii: Record<string, number>;
  /** The effective PII mode and where it came from (`org`, `member`, `model:<id>`). */
  pii_mode: PiiMode;
  pii_scope: string;
  /** What happened: `none`, `flagged`, `redacted`, `blocked`, `kept_local`. */
  pii_action: "none" | "flagged" | "redacted" | "blocked" | "kept_local";
  /** `keep-local`: the remote target(s) replaced and the local model that served instead. */
  kept_local?: { from: string[]; to: string };
  /** Placeholders put back into the answer (only when the member asked for it). */
  restored: number;
}
