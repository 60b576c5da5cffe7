import { isIPv6 } from "node:net";
import type { Candidate } from "../overlap.js";
import { before, candidate, matches } from "./common.js";

/**
 * IP addresses. IPv4: four octets 0–255 without leading zeros, not part of a longer dotted run
 * (`1.2.3.4.5`, OIDs) or a word. IPv6: colon-hex runs with at least two colons, validated by
 * node:net (no zone ids); at least one hex letter or `::`, so `12:30:45` times and `a:b` labels are not IPs.
 * Not counted as PII: loopback (127.0.0.0/8, ::1), unspecified (0.0.0.0, ::) and broadcast —
 * they name no machine or person. Private ranges are counted (they identify internal hosts).
 *
 * Versions: a dotted quad directly after `v`, `version`, `ver`, `release`, `build`, `rev` or
 * `@` (as in `lib@1.2.3.4`) is a version, not an IP. Anywhere else `1.2.3.4` is an IP: four
 * numbers in range are more often an address than a four-part version in prompts.
 */
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** Candidates first (cheap), octets checked after. */
const IPV4 = /(?<![\w.@-])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d|-\w)/g;
const IPV4_EXACT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
/**
 * IPv6 candidates: from each `:hex:` (a regex that starts with a literal, so it is cheap), the
 * run of hex digits, colons and dots around it; node:net then decides. Zone ids (`%eth0`) are
 * not read.
 */
const IPV6_SEED = /:[0-9A-Fa-f]{0,4}:/g;
const IPV6_CHAR = /[0-9A-Fa-f:.]/;
const WORD_OR_COLON = /[\w:]/;
const VERSION_CUE = /(?:\bv|version|\bver\.?|release|build|\brev\.?)\s*[:=]?\s*$/;

export function ips(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(IPV4, text)) {
    const s = m[0];
    if (!IPV4_EXACT.test(s)) continue;
    if (VERSION_CUE.test(before(text, m.index, 20))) continue;
    if (s.startsWith("127.") || s === "0.0.0.0" || s === "255.255.255.255") continue;
    out.push(candidate("ip", text, m.index, m.index + s.length));
  }
  let searchedTo = 0;
  for (const seed of matches(IPV6_SEED, text)) {
    if (seed.index < searchedTo) continue;
    let a = seed.index;
    let b = seed.index + seed[0].length;
    while (a > 0 && b - a < 45 && IPV6_CHAR.test(text[a - 1]!)) a--;
    while (b < text.length && b - a < 45 && IPV6_CHAR.test(text[b]!)) b++;
    searchedTo = b;
    while (text[b - 1] === ".") b--;
    if (a > 0 && /[\w.]/.test(text[a - 1]!)) continue;
    if (b < text.length && WORD_OR_COLON.test(text[b]!)) continue;
    const s = text.slice(a, b);
    if (!isIPv6(s)) continue;
    if (!/[a-fA-F]/.test(s) && !s.includes("::")) continue;
    if (s === "::" || s === "::1") continue;
    out.push(candidate("ip", text, a, b));
  }
  return out;
}
