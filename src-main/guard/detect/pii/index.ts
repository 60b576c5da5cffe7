import { PII_TYPES, type Finding, type PiiType } from "../../types.js";
import { resolveOverlaps, type Candidate } from "../overlap.js";
import { addresses } from "./address.js";
import type { PiiDetector } from "./common.js";
import { emails, phones } from "./contact.js";
import { cards, ibans } from "./financial.js";
import { dobs, ninos, ssns } from "./ids.js";
import { ips } from "./network.js";

const DETECTORS: Record<PiiType, PiiDetector> = {
  email: emails,
  phone: phones,
  card: cards,
  iban: ibans,
  ip: ips,
  ssn: ssns,
  nino: ninos,
  dob: dobs,
  address: addresses,
};

/** PII of the given types (all when absent), non-overlapping, by start. */
export function scanPii(text: string, types: ReadonlySet<PiiType> = ALL): Finding[] {
  if (text.length === 0) return [];
  const candidates: Candidate[] = [];
  for (const type of PII_TYPES) if (types.has(type)) candidates.push(...DETECTORS[type](text));
  return resolveOverlaps(candidates);
}

const ALL: ReadonlySet<PiiType> = new Set(PII_TYPES);
