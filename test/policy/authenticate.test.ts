import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import { authenticate } from "../../src-main/policy/authenticate.js";
import type { Db } from "../../src-main/store/db.js";
import { KeysRepo } from "../../src-main/store/keysRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { tempDb } from "../helpers/tempDb.js";

let t: ReturnType<typeof tempDb>;
let db: Db;
beforeEach(() => {
  t = tempDb();
  db = t.db;
});
afterEach(() => t.dispose());

describe("authenticate", () => {
  it("gives Bearer and x-api-key the same verdict for every kind of key", () => {
    const members = new MembersRepo(db);
    const keys = new KeysRepo(db);
    const ada = members.create({ name: "Ada", role: "member" });
    const bob = members.create({ name: "Bob", role: "admin" });
    const make = (memberId: string, expiresMs: number | null = null) => {
      const k = generateApiKey();
      const row = keys.create({
        memberId,
        name: "k",
        hash: k.hash,
        prefix: k.prefix,
        last4: k.last4,
        expiresMs,
      });
      return { plain: k.plain, id: row.id };
    };
    const good = make(ada.id);
    const revoked = make(ada.id);
    keys.revoke(revoked.id);
    const expired = make(ada.id, 500);
    const disabled = make(bob.id);
    members.setStatus(bob.id, "disabled");
    const unknown = generateApiKey().plain;
    const typo = `${good.plain.slice(0, 10)}${good.plain[10] === "a" ? "b" : "a"}${good.plain.slice(11)}`;

    const cases: [string, string][] = [
      [good.plain, "ok"],
      [revoked.plain, "revoked"],
      [expired.plain, "expired"],
      [disabled.plain, "member_disabled"],
      [unknown, "unknown"],
      [typo, "malformed"],
      ["sk-not-ours", "malformed"],
    ];
    for (const [key, expected] of cases) {
      for (const sources of [{ authorization: `Bearer ${key}` }, { xApiKey: key }]) {
        const r = authenticate({ ...sources, queryNames: [] }, keys, 1_000);
        expect(r.ok ? "ok" : r.failure).toBe(expected);
        if (r.ok) expect(r.principal).toEqual({ memberId: ada.id, role: "member", keyId: good.id });
      }
    }
    expect(authenticate({ queryNames: [] }, keys, 1_000)).toEqual({
      ok: false,
      failure: "missing",
    });
    expect(authenticate({ authorization: "Basic abc", queryNames: [] }, keys, 1_000)).toEqual({
      ok: false,
      failure: "malformed",
    });
    // A key in the URL is refused even alongside a valid header.
    expect(
      authenticate({ authorization: `Bearer ${good.plain}`, queryNames: ["api_key"] }, keys, 1_000),
    ).toEqual({ ok: false, failure: "key_in_query" });
  });
});
