import type { PiiType } from "../../types.js";
import type { Candidate } from "../overlap.js";

/** One PII detector: candidates in `text` (overlaps allowed; the caller resolves them). */
export type PiiDetector = (text: string) => Candidate[];

/**
 * Overlap priority per PII type: the more structured (validated) type wins a tie. An email
 * contains digits that could read as a phone; a card number's digits could read as one too.
 */
export const PII_PRIORITY: Record<PiiType, number> = {
  email: 9,
  card: 8,
  iban: 8,
  ssn: 7,
  nino: 7,
  dob: 6,
  phone: 5,
  ip: 4,
  address: 3,
};

export function candidate(type: PiiType, text: string, start: number, end: number): Candidate {
  return {
    finding: { kind: "pii", type, rule: `pii.${type}`, start, end, value: text.slice(start, end) },
    priority: PII_PRIORITY[type],
  };
}

/** The `window` characters before `index` on the same line, lower-cased (for context cues). */
export function before(text: string, index: number, window: number): string {
  const from = Math.max(0, index - window);
  const s = text.slice(from, index);
  const nl = s.lastIndexOf("\n");
  return (nl < 0 ? s : s.slice(nl + 1)).toLowerCase();
}

/** Luhn (mod 10) check of a digit string. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** All matches of a global regex. */
export function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) re.lastIndex++;
    else yield m;
  }
}
