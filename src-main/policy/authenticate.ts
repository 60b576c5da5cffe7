import type { KeysRepo } from "../store/keysRepo.js";
import type { Role } from "../store/membersRepo.js";
import { hashApiKey, isWellFormedApiKey, sameHash } from "./apiKeys.js";

/** Who is calling, once a key checked out. */
export interface Principal {
  memberId: string;
  role: Role;
  keyId: string;
}

/** Why a request was not authenticated. Each maps to one 401 message; none echoes the key. */
export type AuthFailure =
  "missing" | "key_in_query" | "malformed" | "unknown" | "revoked" | "expired" | "member_disabled";

export interface CredentialSources {
  authorization?: string;
  xApiKey?: string;
  /** Query parameter names present on the URL. */
  queryNames: string[];
}

/** Query parameters clients use to pass keys; a key there lands in logs and proxies, so it is refused. */
export const QUERY_KEY_NAMES: ReadonlySet<string> = new Set([
  "key",
  "api_key",
  "apikey",
  "api-key",
  "token",
  "access_token",
]);

/**
 * Authenticates a request from `Authorization: Bearer <key>` or `x-api-key: <key>` with one and the
 * same policy. Malformed keys (bad shape or checksum) fail before any lookup; known keys are found by
 * SHA-256 and compared in constant time.
 */
export function authenticate(
  sources: CredentialSources,
  keys: KeysRepo,
  nowMs: number,
): { ok: true; principal: Principal } | { ok: false; failure: AuthFailure } {
  if (sources.queryNames.some((n) => QUERY_KEY_NAMES.has(n.toLowerCase()))) {
    return { ok: false, failure: "key_in_query" };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(sources.authorization ?? "")?.[1];
  const key = bearer ?? sources.xApiKey?.trim();
  if (!key) return { ok: false, failure: sources.authorization ? "malformed" : "missing" };
  if (!isWellFormedApiKey(key)) return { ok: false, failure: "malformed" };
  const hash = hashApiKey(key);
  const found = keys.findByHash(hash);
  if (!found || !sameHash(found.hash, hash)) return { ok: false, failure: "unknown" };
  if (found.key.revokedMs !== null) return { ok: false, failure: "revoked" };
  if (found.key.expiresMs !== null && found.key.expiresMs <= nowMs)
    return { ok: false, failure: "expired" };
  if (found.memberStatus !== "active") return { ok: false, failure: "member_disabled" };
  return {
    ok: true,
    principal: { memberId: found.key.memberId, role: found.memberRole, keyId: found.key.id },
  };
}

export const AUTH_FAILURE_MESSAGES: Record<AuthFailure, string> = {
  missing:
    "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
  key_in_query:
    "API keys are not accepted in the URL. Send it in the Authorization or x-api-key header.",
  malformed: "Incorrect API key provided: it is not a valid Benchtop key (btk_…).",
  unknown: "Incorrect API key provided.",
  revoked: "This API key has been revoked.",
  expired: "This API key has expired.",
  member_disabled: "The member who owns this API key is disabled.",
};
