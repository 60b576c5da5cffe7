import { maskedHeaderValue } from "../contract/manage/connections.js";
import type { SecretCipher } from "../platform/types.js";
import type { Connection, ConnectionsRepo, SealedHeader } from "../store/connectionsRepo.js";
import { secretScrubber, type Scrub } from "./scrubSecrets.js";

/**
 * A connection's secrets — its provider keys and its credential-like headers — between the
 * database (encrypted by the SecretCipher), the adapters (plain, in memory only) and every
 * answer (masked).
 */

/** Secrets of 12 characters or fewer show no last 4: that would be a third of one or more. */
export const last4Of = (secret: string): string => (secret.length > 12 ? secret.slice(-4) : "");

export function sealHeader(cipher: SecretCipher, value: string): SealedHeader {
  return { secret: cipher.encrypt(value), last4: last4Of(value) };
}

/** Every extra header to send, credential ones decrypted. Throws if one cannot be decrypted. */
export function openHeaders(connection: Connection, cipher: SecretCipher): Record<string, string> {
  const out = { ...connection.headers };
  for (const [name, h] of Object.entries(connection.secretHeaders))
    out[name] = cipher.decrypt(h.secret);
  return out;
}

/** Every extra header as answers show it: credential ones masked (`…abcd`). */
export function maskedHeaders(connection: Connection): Record<string, string> {
  const out = { ...connection.headers };
  for (const [name, h] of Object.entries(connection.secretHeaders))
    out[name] = maskedHeaderValue(h.last4);
  return out;
}

/**
 * The scrubber for text from `connection`'s upstream: every key the connection ever had (not
 * only the one a request used: an upstream behind a shared proxy may echo another) and its
 * credential headers. Decrypted on the first text scrubbed; a secret that cannot be decrypted
 * is skipped (it cannot have been sent either).
 */
export function connectionScrub(
  connections: Pick<ConnectionsRepo, "keySecrets">,
  cipher: SecretCipher,
  connection: Connection,
): Scrub {
  return secretScrubber(() => {
    const plain: string[] = [];
    const blobs = [
      ...connections.keySecrets(connection.id),
      ...Object.values(connection.secretHeaders).map((h) => h.secret),
    ];
    for (const blob of blobs) {
      try {
        plain.push(cipher.decrypt(blob));
      } catch {
        // Not decryptable with this machine's secret key: never sent from here.
      }
    }
    return plain;
  });
}
