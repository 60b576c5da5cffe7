import type { PII_MODES } from "@contract";
import {
  PII_TYPES,
  type GuardPolicyDto,
  type GuardRecordDto,
  type GuardSummaryDto,
  type GuardTestDto,
  type PutGuardPolicyBody,
} from "@contract";

/**
 * The Guardrails page's forms and the guard's records as people read them, checked as the
 * server checks them (src-main/server/manage/guard.ts) so a person sees what is wrong before
 * sending; the server still decides. Counts and types only: no value found is ever shown here.
 */

export type PiiMode = (typeof PII_MODES)[number];
export type PiiType = (typeof PII_TYPES)[number];

/** What each mode does, in one line (docs/GUARDRAILS.md, "Modes"). */
export const MODE_HELP: Record<PiiMode, string> = {
  off: "Nothing is scanned for personal data.",
  flag: "Sent as is; what was found is counted on the usage row.",
  redact: "Each value is replaced by a placeholder such as [EMAIL_1] before it leaves.",
  block: "The request is refused (400 pii_blocked), naming the types found, never the values.",
  "keep-local": "Served by a local model instead of the remote provider.",
};

export const MODE_LABELS: Record<PiiMode, string> = {
  off: "Off",
  flag: "Flag",
  redact: "Redact",
  block: "Block",
  "keep-local": "Keep local",
};

export const PII_TYPE_LABELS: Record<PiiType, string> = {
  email: "Email addresses",
  phone: "Phone numbers",
  card: "Card numbers",
  iban: "IBANs",
  ip: "IP addresses",
  ssn: "US social security numbers",
  nino: "UK national insurance numbers",
  dob: "Dates of birth",
  address: "Street addresses",
};

/** `all types`, or the types in the contract's order. */
export function typesText(types: readonly string[] | null): string {
  if (types === null) return "all types";
  const order = PII_TYPES as readonly string[];
  return [...types].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(", ");
}

/** Where a policy came from, as the server names it (`org`, `member`, `model:<id>`…). */
export function scopeText(scope: string): string {
  if (scope === "org") return "the org's policy";
  if (scope === "member") return "the member's policy";
  const at = scope.indexOf(":");
  if (at > 0) {
    const kind = scope.slice(0, at);
    const id = scope.slice(at + 1);
    if (kind === "model" || kind === "target") return `the policy of ${id}`;
    if (kind === "alias") return `the policy of alias ${id}`;
  }
  return scope;
}

export interface PolicyFormValues {
  mode: PiiMode;
  /** Every type (`pii_types: null`), or only `types`. */
  allTypes: boolean;
  types: PiiType[];
  applyLocal: boolean;
  /** A local model id, or null (overrides: the org's). */
  keepLocalModel: string | null;
  /** Overrides may leave it to the org (`null`); the org's is true or false. */
  restore: boolean | null;
}

export type PolicyFormErrors = Partial<Record<"types" | "keepLocalModel" | "id", string>>;

export const policyToForm = (p: GuardPolicyDto): PolicyFormValues => ({
  mode: p.pii_mode,
  allTypes: p.pii_types === null,
  types: p.pii_types ? [...p.pii_types] : [],
  applyLocal: p.apply_local,
  keepLocalModel: p.keep_local_model,
  restore: p.restore,
});

/** A new override: redact every type, the rest as the org says. */
export const emptyOverrideForm = (): PolicyFormValues => ({
  mode: "redact",
  allTypes: true,
  types: [],
  applyLocal: false,
  keepLocalModel: null,
  restore: null,
});

/**
 * The body of `PUT /guard/{org | members/{id} | models/{id}}`, or what is wrong. `orgKeepLocal`:
 * the org policy's local model, which an override's keep-local falls back to (null for the org's
 * own form, which must name one).
 */
export function policyFormToBody(
  v: PolicyFormValues,
  opts: { scope: "org" | "member" | "model"; orgKeepLocal: string | null },
): { ok: true; body: PutGuardPolicyBody } | { ok: false; errors: PolicyFormErrors } {
  const errors: PolicyFormErrors = {};
  if (!v.allTypes && v.types.length === 0)
    errors.types = "Pick at least one type, or choose all types.";
  if (
    v.mode === "keep-local" &&
    v.keepLocalModel === null &&
    (opts.scope === "org" || opts.orgKeepLocal === null)
  )
    errors.keepLocalModel =
      opts.scope === "org"
        ? "Keep local needs a local model to serve such requests."
        : "Pick a local model: the org's policy names none to fall back to.";
  if (Object.keys(errors).length) return { ok: false, errors };
  const order = PII_TYPES as readonly string[];
  const body: PutGuardPolicyBody = {
    pii_mode: v.mode,
    pii_types: v.allTypes
      ? null
      : [...new Set(v.types)].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    apply_local: v.applyLocal,
    keep_local_model: v.keepLocalModel,
    // The org's is never "as the org says".
    restore: opts.scope === "org" ? (v.restore ?? false) : v.restore,
  };
  return { ok: true, body };
}

/** What the dry run says would happen, as a person reads it. */
export function testActionText(r: GuardTestDto): string {
  switch (r.action) {
    case "sent":
      return "Sent as written";
    case "redacted":
      return "Sent with the highlighted values replaced";
    case "blocked":
      return "Refused (400 pii_blocked): nothing is sent";
    case "kept_local":
      return `Kept local: served by ${r.keep_local_model ?? "the org's local model"}`;
  }
}

export const ACTION_COLORS: Record<GuardTestDto["action"], string> = {
  sent: "gray",
  redacted: "blue",
  blocked: "red",
  kept_local: "teal",
};

/** A run of the tested text: plain, or one finding (its type and the placeholder it becomes). */
export interface TextSegment {
  text: string;
  finding?: GuardTestDto["findings"][number];
}

/**
 * The tested text cut at its findings, in order. Findings are UTF-16 offsets into that text;
 * one that overlaps an earlier one (the server never sends such, but the text on screen must
 * stay whole) or falls outside the text is left unhighlighted.
 */
export function highlightSegments(text: string, findings: GuardTestDto["findings"]): TextSegment[] {
  const out: TextSegment[] = [];
  let at = 0;
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at || f.end > text.length || f.end <= f.start) continue;
    if (f.start > at) out.push({ text: text.slice(at, f.start) });
    out.push({ text: text.slice(f.start, f.end), finding: f });
    at = f.end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at) });
  return out;
}

const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, n) => sum + n, 0);

/** `2 secrets`, `1 secret`. */
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `email ×1, phone ×2`: counts per type, types sorted. */
export function countsText(counts: Record<string, number>): string {
  return Object.keys(counts)
    .sort()
    .map((k) => `${k} ×${counts[k]}`)
    .join(", ");
}

export interface GuardBadge {
  label: string;
  color: string;
  /** The counts per type behind the badge (never values). */
  detail?: string;
}

/**
 * A request log row's guard record as badges: what was found and what was done with it
 * ("2 secrets redacted", "PII redacted", "kept local → tiny", "KeyVault off"). None when no guard
 * ran or nothing was found.
 */
export function guardBadges(g: GuardRecordDto | null): GuardBadge[] {
  if (!g) return [];
  const out: GuardBadge[] = [];
  const secrets = total(g.secrets);
  if (secrets > 0) {
    const detail = countsText(g.secrets);
    if (g.secrets_action === "off")
      out.push({ label: `KeyVault off: ${plural(secrets, "secret")} sent`, color: "red", detail });
    else if (g.secrets_action === "redacted")
      out.push({ label: `${plural(secrets, "secret")} redacted`, color: "orange", detail });
    else out.push({ label: `${plural(secrets, "secret")} found`, color: "gray", detail });
  } else if (g.secrets_action === "off") {
    out.push({ label: "KeyVault off", color: "red" });
  }
  const pii = total(g.pii);
  const piiDetail = pii > 0 ? countsText(g.pii) : undefined;
  switch (g.pii_action) {
    case "flagged":
      out.push({ label: "PII flagged", color: "yellow", detail: piiDetail });
      break;
    case "redacted":
      out.push({ label: "PII redacted", color: "blue", detail: piiDetail });
      break;
    case "blocked":
      out.push({ label: "PII blocked", color: "red", detail: piiDetail });
      break;
    case "kept_local":
      out.push({
        label: `kept local → ${g.kept_local?.to ?? "local"}`,
        color: "teal",
        detail: piiDetail,
      });
      break;
    case "none":
      if (pii > 0) out.push({ label: "PII found", color: "gray", detail: piiDetail });
  }
  if (g.restored > 0)
    out.push({ label: `${plural(g.restored, "placeholder")} restored`, color: "grape" });
  return out;
}

/** The Usage page's guard card as label/value rows (counts only). */
export function guardSummaryRows(s: GuardSummaryDto): [string, string][] {
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    ["Requests checked", n(s.requests)],
    ["With secrets", n(s.with_secrets)],
    ["With personal data", n(s.with_pii)],
    ["Secrets by type", countsText(s.secrets) || "none"],
    ["Personal data by type", countsText(s.pii) || "none"],
    ["Secrets redacted", n(s.actions.secrets_redacted)],
    ["Sent with KeyVault off", n(s.actions.keyvault_off)],
    ["Personal data flagged", n(s.actions.pii_flagged)],
    ["Personal data redacted", n(s.actions.pii_redacted)],
    ["Kept local", n(s.actions.kept_local)],
    ["Placeholders restored", n(s.restored)],
  ];
}

/** Body retention as a sentence: `Kept 30 days`, `Not kept`. */
export function retentionText(days: number | null): string {
  if (days === null || days === 0) return "Not kept";
  return `Kept ${plural(days, "day")}`;
}

/** A member's override as a person reads it (null follows the org, 0 never keeps). */
export function memberRetentionText(days: number | null, orgDays: number | null): string {
  if (days === null) return `As the org: ${retentionText(orgDays).toLowerCase()}`;
  if (days === 0) return "Never kept for this member";
  return `Kept ${plural(days, "day")} for this member`;
}
