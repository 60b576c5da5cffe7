import {
  isCredentialHeader,
  isMaskedHeaderValue,
  maskedHeaderValue,
  type ConnectionDto,
  type PatchConnectionBody,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import type { SecretCipher } from "../../platform/types.js";
import { sealHeader } from "../../providers/connectionSecrets.js";
import type { Connection, SealedHeader } from "../../store/connectionsRepo.js";
import { conflict, mutate, nothingToChange, type Call } from "./routeTable.js";

/** Writes to a connection that touch its secrets: credential headers sealed on the way in. */

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

/** PATCH /connections/{id}: the fields given change; `headers` replaced whole (see resolveHeaders). */
export function patchConnection(
  c: Call<unknown, PatchConnectionBody>,
  current: Connection,
  view: (connection: Connection) => ConnectionDto,
): ConnectionDto {
  const b = c.body;
  if (Object.keys(b).length === 0) throw nothingToChange();
  const resolved =
    b.headers === undefined
      ? { headers: current.headers, secretHeaders: current.secretHeaders }
      : resolveHeaders(c.deps.cipher, b.headers, current);
  return mutate(
    c,
    { action: "connection.update", targetType: "connection", targetId: current.id, memberId: null },
    () => {
      const before = view(current);
      c.deps.store.connections.update({
        id: current.id,
        name: b.name ?? current.name,
        baseUrl: b.base_url ?? current.baseUrl,
        headers: resolved.headers,
        secretHeaders: resolved.secretHeaders,
        region: b.region === undefined ? current.region : b.region,
        retention: b.retention === undefined ? current.retention : b.retention,
      });
      const after = view(c.deps.store.connections.get(current.id)!);
      return { before, after, result: after };
    },
  );
}
