import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../../src-main/policy/apiKeys.js";
import fs from "node:fs";
import { closeDb, openDb, type Db } from "../../src-main/store/db.js";
import { KeysRepo } from "../../src-main/store/keysRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { tempDb } from "../helpers/tempDb.js";

let t: ReturnType<typeof tempDb>;
let db: Db;
let now = 1_000;
beforeEach(() => {
  now = 1_000;
  t = tempDb();
  db = t.db;
});
afterEach(() => t.dispose());

describe("members and keys", () => {
  it("has exactly one owner, created once, who cannot be disabled", () => {
    const members = new MembersRepo(db, () => now);
    const owner = members.ensureOwner();
    expect(members.ensureOwner().id).toBe(owner.id);
    expect(owner).toMatchObject({ role: "owner", status: "active" });
    expect(members.setStatus(owner.id, "disabled")).toBe(false);
    expect(() =>
      db.prepare("INSERT INTO members VALUES ('x','x',NULL,'owner','active',1,1,NULL)").run(),
    ).toThrow(/UNIQUE/);
  });

  it("keeps deleted members (history) but hides them from the list", () => {
    const members = new MembersRepo(db, () => now);
    const ada = members.create({ name: "Ada", role: "member" });
    const bob = members.create({ name: "Bob", email: "bob@lab", role: "viewer" });
    expect(members.setStatus(bob.id, "deleted")).toBe(true);
    expect(members.listActiveAndDisabled().map((m) => m.name)).toEqual(["Ada"]);
    expect(members.get(bob.id)).toMatchObject({ status: "deleted", email: "bob@lab" });
    expect(ada.id).toMatch(/^mem_[0-9a-f]{16}$/);
  });

  it("stores only the hash, finds keys by hash with their member, and revokes at once", () => {
    const members = new MembersRepo(db, () => now);
    const keys = new KeysRepo(db, () => now);
    const ada = members.create({ name: "Ada", role: "member" });
    const k = generateApiKey();
    const row = keys.create({
      memberId: ada.id,
      name: "laptop",
      hash: k.hash,
      prefix: k.prefix,
      last4: k.last4,
      expiresMs: 5_000,
    });
    expect(row).toMatchObject({
      memberId: ada.id,
      name: "laptop",
      expiresMs: 5_000,
      revokedMs: null,
    });
    // The plain key is nowhere in the database file.
    closeDb(db);
    const bytes = fs.readFileSync(t.file);
    expect(bytes.includes(Buffer.from(k.plain))).toBe(false);
    db = t.db = openDb(t.file);
    const again = new KeysRepo(db, () => now);
    const found = again.findByHash(hashApiKey(k.plain))!;
    expect(found).toMatchObject({
      memberRole: "member",
      memberStatus: "active",
      key: { id: row.id },
    });
    expect(again.findByHash(hashApiKey(`${k.plain}x`))).toBeUndefined();
    now = 2_000;
    expect(again.revoke(row.id)).toBe(true);
    expect(again.revoke(row.id)).toBe(false);
    expect(again.findByHash(k.hash)!.key.revokedMs).toBe(2_000);
  });
});
