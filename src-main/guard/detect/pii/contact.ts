import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import type { Candidate } from "../overlap.js";
import { before, candidate, matches } from "./common.js";

/**
 * Emails. Found from each `@` outwards (local part left, domain right) rather than with one
 * regex over the text: a regex starting with a class like `[\w.+-]+@` retries from every
 * character of every long word (quadratic on base64 blobs). Not emails: `git@host:path` SSH
 * remotes, `@scope/package` names (no local part) and `scheme://user:pass@host` URL credentials.
 */
const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}/;

export function emails(text: string): Candidate[] {
  const out: Candidate[] = [];
  let at = text.indexOf("@");
  let floor = 0;
  while (at >= 0) {
    let s = at;
    while (s > floor && at - s < 64 && LOCAL.test(text[s - 1]!)) s--;
    while (s < at && text[s] === ".") s++;
    const domain = DOMAIN.exec(text.slice(at + 1, at + 256));
    if (s < at && domain && text[at - 1] !== ".") {
      const end = at + 1 + domain[0].length;
      const local = text.slice(s, at);
      const sshRemote = local === "git" && text[end] === ":";
      // `scheme://user:password@host`: URL credentials (a secret rule's business), not an email.
      const userinfo = /\/\/[^\s/@]*:$/.test(text.slice(Math.max(0, s - 80), s));
      if (!sshRemote && !userinfo) {
        out.push(candidate("email", text, s, end));
        floor = end;
      }
    }
    at = text.indexOf("@", at + 1);
  }
  return out;
}

/**
 * Phone numbers: digit runs shaped like a phone (a `+` country code, or separators in phone
 * groupings, or — only after a cue word such as "phone"/"tel"/"call" — a bare 10–11 digit run),
 * validated by libphonenumber-js (its "min" metadata: valid lengths and leading digits per
 * country). National numbers are read as US numbers, and after a cue word also as GB, DE, FR,
 * ES, IT, NL, IN, AU, CA. Not phones, before validation:
 * - dates (`2024-01-15`, `15/01/2024`, `15.01.2024`), times, versions (`1.2.3`, `v10.0.19041`),
 *   IPs: dotted numbers count only as `415.555.2671`;
 * - runs touching letters, `#`, `$€£`, `/`, `:`, `@` or a decimal point (order ids `#12345678`,
 *   UUIDs, hashes, prices, paths, URLs);
 * - a run after "order", "invoice", "ticket", "build", "id", "ref", "tracking", "sku"… with no
 *   phone cue nearer.
 */
const PHONE =
  /(?<![\w+@#$€£./:\\-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]?\d{1,5}){1,5}|\(\d{2,5}\)[ .-]?\d{2,5}(?:[ .-]?\d{2,5}){1,3}|\d{2,5}(?:[ .-]\d{2,5}){1,4}|\d{10,11})(?![\w@%/\\]|[.,:-]\d)/g;
const PHONE_CUE =
  /(?:phone|tel\b|tel\.|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact|reach|ring|t:|m:|ph\.?)[^\n]{0,25}$/;
const ID_CUE =
  /(?:order|invoice|ticket|build|\bid\b|\bids\b|ref\b|reference|tracking|sku|serial|account|acct|\bno\.|number|#|version)[\s:=#.]{0,3}[^\n]{0,6}$/;
const CUE_COUNTRIES: CountryCode[] = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "CA"];
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

export function phones(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(PHONE, text)) {
    const s = m[0];
    const digits = s.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15) continue;
    if (DATE_LIKE.test(s)) continue;
    if (s.includes(".") && !/^\+/.test(s) && !/^\d{3}\.\d{3}\.\d{4}$/.test(s)) continue;
    const ctx = before(text, m.index, 40);
    const cue = PHONE_CUE.test(ctx);
    if (!cue && ID_CUE.test(ctx)) continue;
    const international = s.startsWith("+");
    const separated = /[ .()-]/.test(s);
    if (!international && !separated && !cue) continue;
    if (!international && !valid(s, cue)) continue;
    if (international) {
      const p = parsePhoneNumberFromString(s);
      if (!p || !(p.isValid() || (separated && p.isPossible()))) continue;
    }
    out.push(candidate("phone", text, m.index, m.index + s.length));
  }
  return out;
}

function valid(s: string, cue: boolean): boolean {
  for (const country of cue ? CUE_COUNTRIES : (["US"] as CountryCode[])) {
    if (parsePhoneNumberFromString(s, country)?.isValid()) return true;
  }
  return false;
}
