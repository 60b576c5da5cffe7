import type { Candidate } from "../overlap.js";
import { before, candidate, matches } from "./common.js";

/**
 * US Social Security numbers. `123-45-6789` (dashes) counts anywhere; `123 45 6789` and bare
 * `123456789` only after a cue ("SSN", "social security", "SS#", "soc sec") on the same line,
 * within 40 characters. Valid per SSA rules: area not 000, 666 or 900–999; group not 00; serial
 * not 0000; and not the two numbers famously printed in advertising (078-05-1120, 219-09-9999).
 */
const SSN_DASHED = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])/g;
const SSN_LOOSE = /(?<![\w-])(\d{3}) ?(\d{2}) ?(\d{4})(?![\w-])/g;
const SSN_CUE = /(?:\bssn|social security|\bss#|soc\.? ?sec|\bssa\b)/;

export function ssns(text: string): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<number>();
  for (const m of matches(SSN_DASHED, text)) {
    if (!ssnValid(m[1]!, m[2]!, m[3]!)) continue;
    seen.add(m.index);
    out.push(candidate("ssn", text, m.index, m.index + m[0].length));
  }
  for (const m of matches(SSN_LOOSE, text)) {
    if (seen.has(m.index) || !ssnValid(m[1]!, m[2]!, m[3]!)) continue;
    if (!SSN_CUE.test(before(text, m.index, 40))) continue;
    out.push(candidate("ssn", text, m.index, m.index + m[0].length));
  }
  return out;
}

function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === "000" || area === "666" || area[0] === "9") return false;
  if (group === "00" || serial === "0000") return false;
  const all = `${area}${group}${serial}`;
  return all !== "078051120" && all !== "219099999";
}

/**
 * UK National Insurance numbers: two letters, six digits, a suffix A–D, compact or spaced in
 * pairs (`QQ 12 34 56 C`). Upper case. First letter not D, F, I, Q, U, V; second not D, F, I,
 * O, Q, U, V; and not the prefixes BG, GB, KN, NK, NT, TN, ZZ (HMRC never issues them).
 * QQ123456C, HMRC's own example, is rejected by those rules too.
 */
const NINO = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const NINO_BAD_PREFIX = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);

export function ninos(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(NINO, text)) {
    if (NINO_BAD_PREFIX.has(m[1]!)) continue;
    out.push(candidate("nino", text, m.index, m.index + m[0].length));
  }
  return out;
}

/**
 * Dates of birth: a date after a cue on the same line, within 30 characters: "DOB", "D.O.B.",
 * "date of birth", "birth date", "birthdate", "birthday", "born (on)", "geboren (am)", "geb.",
 * "né(e) le", "date de naissance", "fecha de nacimiento", "data di nascita". A date without a
 * cue is not a date of birth (it is a date). Dates: ISO `1984-07-21`, `21/07/1984`,
 * `07-21-1984`, `21.07.1984`, `21 July 1984`, `July 21, 1984`, `21. Juli 1984`; day/month in
 * range, year 1900–2099.
 */
const MONTHS =
  "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre";
const DATE = new RegExp(
  `(?<![\\w./-])(?:(19\\d\\d|20\\d\\d)-(\\d{2})-(\\d{2})|(\\d{1,2})[/.-](\\d{1,2})[/.-](19\\d\\d|20\\d\\d|\\d{2})|(\\d{1,2})\\.? (?:${MONTHS})\\.? (19\\d\\d|20\\d\\d)|(?:${MONTHS})\\.? (\\d{1,2})(?:st|nd|rd|th)?,? (19\\d\\d|20\\d\\d))(?![\\w/-]|\\.\\d)`,
  "gi",
);
const DOB_CUE =
  /(?:\bdob\b|d\.o\.b\.?|date of birth|birth ?date|birthday|\bborn\b(?: on)?|geboren(?: am)?|\bgeb\.|\bnée?\b(?: le)?|date de naissance|fecha de nacimiento|data di nascita)[^\n]{0,30}$/;

/** Where a cue may start: dates are looked for only in the 80 characters after one. */
const CUE_START = /dob\b|d\.o\.b|birth|born|geboren|geb\.|née?\b|naissance|nacimiento|nascita/gi;

export function dobs(text: string): Candidate[] {
  const out: Candidate[] = [];
  let searchedTo = 0;
  for (const cue of matches(CUE_START, text)) {
    const from = Math.max(searchedTo, cue.index);
    const to = Math.min(text.length, cue.index + cue[0].length + 80);
    if (from >= to) continue;
    // Search the window in place (lastIndex), so lookbehinds see the text before it.
    DATE.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = DATE.exec(text)) !== null && m.index < to) {
      if (!DOB_CUE.test(before(text, m.index, 60)) || !dateValid(m)) continue;
      out.push(candidate("dob", text, m.index, m.index + m[0].length));
    }
    searchedTo = to;
  }
  return out;
}

function dateValid(m: RegExpExecArray): boolean {
  const inRange = (d: number, mo: number) => d >= 1 && d <= 31 && mo >= 1 && mo <= 12;
  if (m[1]) return inRange(Number(m[3]), Number(m[2]));
  if (m[4]) {
    const a = Number(m[4]);
    const b = Number(m[5]);
    return inRange(a, b) || inRange(b, a);
  }
  if (m[7]) return Number(m[7]) >= 1 && Number(m[7]) <= 31;
  return Number(m[9]) >= 1 && Number(m[9]) <= 31;
}
