import type { Candidate } from "../overlap.js";
import { candidate, luhn, matches } from "./common.js";

/**
 * Payment cards: 13–19 digits, in groups separated by one kind of separator (space or dash) or
 * none, Luhn-valid, with a known issuer prefix (IIN) and a length that issuer uses. A run touching
 * letters, digits, `.` + digit or `$€£` is not one (ids, hashes, amounts).
 */
const CARD = /(?<![\w$€£.-])\d{4}(?:([ -]?)\d{2,7})(?:\1\d{1,7}){0,4}(?![\w]|[.,-]\d)/g;

/** Issuer prefixes and lengths (ISO/IEC 7812 IIN ranges as the networks publish them). */
const ISSUERS: { name: string; prefix: RegExp; lengths: number[] }[] = [
  { name: "visa", prefix: /^4/, lengths: [13, 16, 19] },
  {
    name: "mastercard",
    prefix: /^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/,
    lengths: [16],
  },
  { name: "amex", prefix: /^3[47]/, lengths: [15] },
  {
    name: "discover",
    prefix: /^(?:6011|64[4-9]|65|622(?:12[6-9]|1[3-9]\d|[2-8]\d\d|9[01]\d|92[0-5]))/,
    lengths: [16, 19],
  },
  { name: "diners", prefix: /^(?:30[0-5]|3095|36|3[89])/, lengths: [14, 16, 19] },
  { name: "jcb", prefix: /^35(?:2[89]|[3-8]\d)/, lengths: [16, 19] },
  { name: "unionpay", prefix: /^62/, lengths: [16, 17, 18, 19] },
  {
    name: "maestro",
    prefix: /^(?:5018|5020|5038|5893|6304|6759|676[1-3])/,
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
  { name: "mir", prefix: /^220[0-4]/, lengths: [16, 17, 18, 19] },
];

export function cards(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(CARD, text)) {
    const digits = m[0].replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19) continue;
    if (!ISSUERS.some((i) => i.prefix.test(digits) && i.lengths.includes(digits.length))) continue;
    if (!luhn(digits)) continue;
    out.push(candidate("card", text, m.index, m.index + m[0].length));
  }
  return out;
}

/**
 * IBANs: country code, 2 check digits, then the BBAN, printed compact or in groups of four
 * separated by single spaces; the length must be the country's (SWIFT IBAN registry) and the
 * ISO 7064 mod-97 check must give 1. Upper case only (how IBANs are printed).
 */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;

/** IBAN lengths per country (SWIFT IBAN registry). */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

export function ibans(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(IBAN, text)) {
    // The regex may take a following group of a longer token; trim to the country's length.
    const want = IBAN_LENGTH[m[0].slice(0, 2)];
    if (want === undefined) continue;
    let end = m.index;
    let n = 0;
    while (end < m.index + m[0].length && n < want) {
      if (text[end] !== " ") n++;
      end++;
    }
    if (n !== want) continue;
    if (/[A-Z0-9]/.test(text[end] ?? "")) continue;
    const compact = text.slice(m.index, end).replace(/ /g, "");
    if (!mod97(compact)) continue;
    out.push(candidate("iban", text, m.index, end));
  }
  return out;
}

function mod97(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const d of value) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}
