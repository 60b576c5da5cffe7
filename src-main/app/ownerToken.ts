import fs from "node:fs";
import { generateApiKey, hashApiKey, isWellFormedApiKey } from "../policy/apiKeys.js";
import type { KeysRepo } from "../store/keysRepo.js";
import type { Member } from "../store/membersRepo.js";

export const OWNER_TOKEN_KEY_NAME = "Owner token (this machine)";

/**
 * The owner token: an ordinary API key of the owner whose plain text lives in
 * `<data-dir>/owner.token` (mode 0600), so the desktop UI and scripts run by the same OS user
 * authenticate without anyone copying a key. Reused while the file holds a live key of the
 * owner; otherwise (first start, file deleted or edited, key revoked) a new one is issued, the
 * file rewritten atomically, and every earlier owner token revoked — deleting the file is how
 * the owner rotates it.
 */
export function ensureOwnerToken(
  file: string,
  owner: Member,
  keys: KeysRepo,
): { token: string; keyId: string } {
  const existing = readToken(file);
  if (existing) {
    const found = keys.findByHash(hashApiKey(existing));
    if (found && found.key.memberId === owner.id && found.key.revokedMs === null) {
      fs.chmodSync(file, 0o600);
      return { token: existing, keyId: found.key.id };
    }
  }
  for (const old of keys.listForMember(owner.id))
    if (old.name === OWNER_TOKEN_KEY_NAME && old.revokedMs === null) keys.revoke(old.id);
  const key = generateApiKey();
  const row = keys.create({
    memberId: owner.id,
    name: OWNER_TOKEN_KEY_NAME,
    hash: key.hash,
    prefix: key.prefix,
    last4: key.last4,
  });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${key.plain}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { token: key.plain, keyId: row.id };
}

function readToken(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    return isWellFormedApiKey(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
