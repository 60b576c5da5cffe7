import type { GuardPolicyDto } from "../contract/manage/guard.js";
import type { GuardRepo } from "../store/guardRepo.js";
import type { PiiMode, PiiType } from "./types.js";

/** The PII policy in force for one target of one member's request. */
export interface EffectivePolicy {
  mode: PiiMode;
  /** null = every type. */
  types: ReadonlySet<PiiType> | null;
  applyLocal: boolean;
  keepLocalModel: string | null;
  /** Whether placeholders go back into the answer (before the request's own header). */
  restore: boolean;
  /** Where the policy came from: `model:<target>`, `model:<alias>`, `member`, or `org`. */
  scope: string;
}

/**
 * The most specific policy wins, in this order:
 *   1. the target's own (the model or pool that would receive the request),
 *   2. the id the client named, when it is an alias, `auto` or another route to that target,
 *   3. the member's,
 *   4. the org's.
 * A target's policy comes first because it states what that provider may see whoever asks (a
 * pool of an upstream that may never see patient data); a member's makes an exception to the
 * org's default. `keep_local_model` falls back to the org's; `restore` is the member's choice
 * where set, else the org's (false by default).
 */
export function effectivePolicy(
  repo: GuardRepo,
  memberId: string,
  target: string,
  requested: string,
): EffectivePolicy {
  const org = repo.org();
  const member = repo.get("member", memberId);
  const byTarget = repo.get("model", target);
  const byRequested = requested !== target ? repo.get("model", requested) : undefined;
  const [p, scope]: [GuardPolicyDto, string] = byTarget
    ? [byTarget, `model:${target}`]
    : byRequested
      ? [byRequested, `model:${requested}`]
      : member
        ? [member, "member"]
        : [org, "org"];
  return {
    mode: p.pii_mode,
    types: p.pii_types === null ? null : new Set(p.pii_types),
    applyLocal: p.apply_local,
    keepLocalModel: p.keep_local_model ?? org.keep_local_model,
    restore: member?.restore ?? org.restore ?? false,
    scope,
  };
}
