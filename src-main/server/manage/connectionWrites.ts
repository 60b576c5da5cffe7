import {
  isCredentialHeader,
  isMaskedHeaderValue,
  maskedHeaderValue,
  type ConnectionDto,
  type PatchConnectionBody,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import type { SecretCipher } from "../../platform/types.js";
import { last4Of, sealHeader } from "../../providers/connectionSecrets.js";
import type { Connection, SealedHeader } from "../../store/connectionsRepo.js";
import { conflict, forbidden, mutate, nothingToChange, type Call } from "./routeTable.js";

/**
 * Writes to a connection that touch its secrets: credential headers sealed on the way in, and
 * the rule that a connection's stored secrets never follow it to a new address.
 */

/** A connection's extra headers as the request gave them, split for storage. */
export interface ResolvedHeaders {
  /** Headers without credentials, stored in the clear. */
  headers: Record<string, string>;
  /** Credential-like headers, sealed (new values) or as stored (sent back masked). */
  secretHeaders: Record<string, SealedHeader>;
  /** Credential headers whose stored value is kept (the request sent their mask back). */
  kept: string[];
}

/**
 * Splits `requested` into clear and sealed headers. A credential header sent back with its
 * masked value (`…abcd`) keeps the value `current` stores; a mask with no such value is a 400.
 */
export function resolveHeaders(
  cipher: SecretCipher,
  requested: Record<string, string>,
  current?: Connection,
): ResolvedHeaders {
  const out: ResolvedHeaders = { headers: {}, secretHeaders: {}, kept: [] };
  for (const [name, value] of Object.entries(requested)) {
    if (!isCredentialHeader(name)) {
      out.headers[name] = value;
      continue;
    }
    if (!isMaskedHeaderValue(value)) {
      out.secretHeaders[name] = sealHeader(cipher, value);
      continue;
    }
    const stored = current?.secretHeaders[name];
    if (!stored || maskedHeaderValue(stored.last4) !== value)
      throw invalidRequest(
        `'${name}' has no stored value that '${value}' stands for: enter its value.`,
        `headers.${name}`,
        "unknown_masked_header",
      );
    out.secretHeaders[name] = stored;
    out.kept.push(name);
  }
  return out;
}

/** 409 for secrets on storage that does not protect them, unless the admin acknowledged it. */
export function refuseInsecureStorage(cipher: SecretCipher, acknowledged: boolean | undefined) {
  if (cipher.insecure && acknowledged !== true)
    throw conflict(
      `Secrets on this machine are stored with ${cipher.backend}, which does not protect ` +
        "them (no OS keyring). Set up a keyring, or send " +
        '"acknowledge_insecure_storage": true to store the key anyway.',
      "insecure_secret_storage",
    );
}

/** `host[:port]` of a base URL, as audit rows and messages name it. */
const hostOf = (url: string) => new URL(url).host;

const list = (names: string[]) => names.map((n) => `'${n}'`).join(", ");

/**
 * PATCH /connections/{id}. A change of the (normalized) base URL — scheme, host, port or path:
 * a path can select another tenant on a shared gateway — is a move: while the connection has
 * keys, they must be entered again in the same request (`keys`), and stored credential headers
 * must be entered again or dropped; otherwise 409 and nothing is written. A move is audited as
 * `connection.move` with the old and new host; `keys` replace every stored key (the old ones
 * are deleted) whether or not the URL moves.
 */
export function patchConnection(
  c: Call<unknown, PatchConnectionBody>,
  current: Connection,
  view: (connection: Connection) => ConnectionDto,
): ConnectionDto {
  const { acknowledge_insecure_storage: acknowledged, ...b } = c.body;
  if (Object.keys(b).length === 0) throw nothingToChange();
  // Sending secrets out unredacted is the owner's decision alone (as is where they go).
  if (b.redact_secrets !== undefined && c.principal.role !== "owner")
    throw forbidden(
      "Only the owner can turn KeyVault off or on for a connection.",
      "redact_secrets",
    );
  const keyVault = b.redact_secrets !== undefined && b.redact_secrets !== current.redactSecrets;
  const { cipher } = c.deps;
  const connections = c.deps.store.connections;
  const baseUrl = b.base_url ?? current.baseUrl;
  const moved = baseUrl !== current.baseUrl;
  const resolved: ResolvedHeaders =
    b.headers === undefined
      ? {
          headers: current.headers,
          secretHeaders: current.secretHeaders,
          kept: Object.keys(current.secretHeaders),
        }
      : resolveHeaders(cipher, b.headers, current);
  const stored = connections.keys(current.id);
  if (moved) {
    const from = hostOf(current.baseUrl);
    const to = hostOf(baseUrl);
    if (stored.length > 0 && b.keys === undefined)
      throw conflict(
        `Changing the base URL (${from} → ${to}) would send this connection's stored ` +
          `key${stored.length > 1 ? "s" : ""} to the new address: enter the ` +
          `key${stored.length > 1 ? "s" : ""} again in the same request ("keys"), or delete ` +
          `${stored.length > 1 ? "them" : "it"} first.`,
        "keys_required",
      );
    if (resolved.kept.length > 0)
      throw conflict(
        `Changing the base URL (${from} → ${to}) would send the stored value of ` +
          `${list(resolved.kept)} to the new address: enter ${resolved.kept.length > 1 ? "them" : "it"} ` +
          `again in "headers", or leave ${resolved.kept.length > 1 ? "them" : "it"} out.`,
        "credential_headers_required",
      );
  }
  if (b.keys) refuseInsecureStorage(cipher, acknowledged);
  const newKeys = b.keys?.map((k) => ({
    label: k.label,
    secret: cipher.encrypt(k.key),
    last4: last4Of(k.key),
  }));
  return mutate(
    c,
    {
      action: moved ? "connection.move" : keyVault ? "connection.keyvault" : "connection.update",
      targetType: "connection",
      targetId: current.id,
      memberId: null,
    },
    () => {
      const before = view(current);
      connections.update({
        id: current.id,
        name: b.name ?? current.name,
        baseUrl,
        headers: resolved.headers,
        secretHeaders: resolved.secretHeaders,
        region: b.region === undefined ? current.region : b.region,
        retention: b.retention === undefined ? current.retention : b.retention,
        redactSecrets: b.redact_secrets ?? current.redactSecrets,
      });
      if (newKeys) {
        const reason = moved
          ? `replaced when the base URL moved to ${hostOf(baseUrl)}`
          : "replaced";
        for (const k of stored) connections.setKeyStatus(k.id, "deleted", reason);
        for (const k of newKeys) connections.addKey({ connectionId: current.id, ...k });
      }
      const after = view(connections.get(current.id)!);
      if (!moved) return { before, after, result: after };
      return {
        before: { ...before, host: hostOf(current.baseUrl) },
        after: { ...after, host: hostOf(baseUrl) },
        result: after,
      };
    },
  );
}
