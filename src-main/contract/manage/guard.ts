import { z } from "zod";
import { TimeMs } from "./common.js";

/**
 * Guardrails (issue 16, docs/GUARDRAILS.md): the PII policies of the org, of members and of
 * models/pools/aliases, and a dry run of what the guard would do with a text. Secret redaction
 * (KeyVault) has no policy here: it is on for every remote target, and an owner turns it off
 * per connection (`redact_secrets` on the connection).
 */

/** PII the detectors know. `person` and `address` are heuristics (see docs/GUARDRAILS.md). */
export const PII_TYPES = [
  "email",
  "phone",
  "card",
  "iban",
  "ip",
  "ssn",
  "nino",
  "dob",
  "address",
] as const;
/**
 * What the PII policy does when PII is found in a request bound for a target it applies to
 * (remote targets; local ones only when the policy says `apply_local`):
 * - `off`: nothing is scanned;
 * - `flag`: found and counted on the usage row, sent as is;
 * - `redact`: each value replaced by a placeholder (`[EMAIL_1]`) before it leaves;
 * - `block`: 400 `pii_blocked`, naming the types and counts found (never the values);
 * - `keep-local`: served by the policy's local model instead of the remote target.
 */
export const PII_MODES = ["off", "flag", "redact", "block", "keep-local"] as const;
export const PiiMode = z.enum(PII_MODES);
export const PiiTypeName = z.enum(PII_TYPES);

/** Model, pool or alias ids as `/v1/models` lists them. */
const ModelId = z.string().min(1).max(256);

/** `PUT /manage/v1/guard/{org | members/{id} | models/{id}}`. */
export const PutGuardPolicyBody = z.strictObject({
  pii_mode: PiiMode,
  /** The PII types the policy acts on; null (the default) = every type. */
  pii_types: z.array(PiiTypeName).min(1).max(PII_TYPES.length).nullable().optional(),
  /** Scan requests for local models too (default false: nothing leaves the machine). */
  apply_local: z.boolean().optional(),
  /** `keep-local`: the local model that serves instead; null = the org policy's. */
  keep_local_model: ModelId.nullable().optional(),
  /**
   * Put the request's placeholders back into the answer (the member's own secrets and PII, to
   * the member who sent them). Null (the default) = as the org policy says; the org's default is
   * false. A request may also ask with `x-benchtop-guard-restore: true`.
   */
  restore: z.boolean().nullable().optional(),
});
export type PutGuardPolicyBody = z.infer<typeof PutGuardPolicyBody>;

export const GuardScope = z.enum(["org", "member", "model"]);
export type GuardScope = z.infer<typeof GuardScope>;

export const GuardPolicyDto = z.object({
  scope: GuardScope,
  /** The member or model id; null for the org. */
  scope_id: z.string().nullable(),
  pii_mode: PiiMode,
  pii_types: z.array(PiiTypeName).nullable(),
  apply_local: z.boolean(),
  keep_local_model: z.string().nullable(),
  restore: z.boolean().nullable(),
  updated_ms: TimeMs,
});
export type GuardPolicyDto = z.infer<typeof GuardPolicyDto>;

/** `GET /manage/v1/guard`. */
export const GuardDto = z.object({
  /** The org's policy (a default one — `flag`, every type — until it is set). */
  org: GuardPolicyDto,
  members: z.array(GuardPolicyDto),
  models: z.array(GuardPolicyDto),
  keyvault: z.object({
    /** Secret rules loaded, and where they come from (attribution). */
    rules: z.number().int().nonnegative(),
    sources: z.array(z.string()),
    /** Connections with KeyVault turned off (their requests leave with secrets in them). */
    off_connections: z.array(z.object({ id: z.string(), name: z.string() })),
    /** Whether the detectors loaded; false means every remote request is refused (fail closed). */
    healthy: z.boolean(),
  }),
});
export type GuardDto = z.infer<typeof GuardDto>;

export const DeletedGuardPolicyDto = z.object({
  scope: GuardScope,
  scope_id: z.string(),
  deleted: z.literal(true),
});

/** `POST /manage/v1/guard/test`: what the guard would do with `text` for a member and model. */
export const GuardTestBody = z.strictObject({
  text: z.string().max(256 * 1024),
  /** A model, pool or alias id: its policy applies (absent: as for a remote target, org policy). */
  model: ModelId.optional(),
  /** Whose policy applies (absent: the caller's). */
  member_id: z.string().max(100).optional(),
});

export const GuardFindingDto = z.object({
  kind: z.enum(["secret", "pii"]),
  type: z.string(),
  rule: z.string(),
  /** UTF-16 offsets into the text sent (the values themselves are never echoed). */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** The placeholder the upstream would see instead, or null when it would be sent as is. */
  placeholder: z.string().nullable(),
});

export const GuardTestDto = z.object({
  findings: z.array(GuardFindingDto),
  /** The text as a remote target would receive it. */
  redacted: z.string(),
  /** The effective PII policy and which scope it came from (`org`, `member`, `model:<id>`). */
  pii_mode: PiiMode,
  pii_scope: z.string(),
  /** What would happen: sent, redacted, blocked (400 pii_blocked), or kept local. */
  action: z.enum(["sent", "redacted", "blocked", "kept_local"]),
  keep_local_model: z.string().nullable(),
});
export type GuardTestDto = z.infer<typeof GuardTestDto>;
