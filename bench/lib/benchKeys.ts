import path from "node:path";
import { resolvePaths } from "../../src-main/app/paths.js";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import { closeDb, openDb } from "../../src-main/store/db.js";
import { KeysRepo } from "../../src-main/store/keysRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";

/** A member the bench calls Benchtop as, and their API key (`btk_…`, shown once). */
export interface BenchMember {
  memberId: string;
  key: string;
}

/**
 * Adds a member (role `member`, no limits of their own, so the defaults apply: none unless the
 * lab set some) with one API key, through the store's repositories: the same rows the management
 * API writes. Every /v1 request needs a member key since keys became mandatory.
 */
export function addBenchMember(
  repos: { members: MembersRepo; keys: KeysRepo },
  name = "bench",
): BenchMember {
  const member = repos.members.create({ name, role: "member" });
  const key = generateApiKey();
  repos.keys.create({
    memberId: member.id,
    name: "bench",
    hash: key.hash,
    prefix: key.prefix,
    last4: key.last4,
  });
  return { memberId: member.id, key: key.plain };
}

/**
 * The same on a data dir's SQLite file before a server starts on it (`benchtop serve`): the
 * database is created and migrated here, and the server finds the member as it would after the
 * lab lead added them.
 */
export function addBenchMemberToDataDir(dataDir: string, name = "bench"): BenchMember {
  const db = openDb(resolvePaths(dataDir, path.join(dataDir, "models")).db);
  try {
    const members = new MembersRepo(db);
    members.ensureOwner();
    return addBenchMember({ members, keys: new KeysRepo(db) }, name);
  } finally {
    closeDb(db);
  }
}
