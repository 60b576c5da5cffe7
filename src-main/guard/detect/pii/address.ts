import type { Candidate } from "../overlap.js";
import { candidate, matches } from "./common.js";

/**
 * Street addresses, a heuristic. Found: a house number, one to four capitalised words and a
 * street suffix (Street/St, Avenue/Ave, Road/Rd, Lane/Ln, Boulevard/Blvd, Drive/Dr, Court/Ct,
 * Place/Pl, Way, Terrace, Parkway, Circle, Highway, Square, Crescent, Close, Row, Alley),
 * optionally followed by a unit (Apt/Suite/Unit/#), a city, a two-letter state and a US ZIP or
 * UK postcode; and German-style `Hauptstraße 5` (…straße/strasse/weg/gasse/platz/allee + number).
 * Limits: no PO boxes, no addresses without a number or suffix ("the old mill"), no non-Latin
 * scripts, lower-case streets are missed, and a capitalised phrase like "3 Main Street" in
 * fiction is flagged all the same. Person names are not detected at all (see detect/index.ts).
 */
const SUFFIX =
  "Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Crescent|Cres|Close|Row|Alley";
const STREET = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,? (?:(?:[NSEW]\\.? |North |South |East |West )?[A-Z][a-z]+\\.? ){1,4}(?:${SUFFIX})\\b\\.?` +
    // unit, city, state/ZIP or UK postcode
    `(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|#) ?[\\w-]+)?` +
    `(?:, [A-Z][a-z]+(?: [A-Z][a-z]+){0,2}(?:,? (?:[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}|[A-Z]{2}(?: \\d{5}(?:-\\d{4})?)?))?)?`,
  "g",
);
const STRASSE =
  /\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee|ring|damm) \d{1,4}[a-z]?\b(?:, \d{5} [A-ZÄÖÜ][a-zäöüß]+)?/g;

export function addresses(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const re of [STREET, STRASSE]) {
    for (const m of matches(re, text))
      out.push(candidate("address", text, m.index, m.index + m[0].length));
  }
  return out;
}
