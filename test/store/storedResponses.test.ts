import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keyFileCipher } from "../../src-main/platform/keyFileCipher.js";
import type { ResponseObject } from "../../src-main/server/responses/format.js";
import { ResponseStore } from "../../src-main/server/responses/responseStore.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { RetentionSweeper } from "../../src-main/store/retentionSweep.js";
import { ResponsesRepo } from "../../src-main/store/responsesRepo.js";
import { tempDb } from "../helpers/tempDb.js";

/**
 * Stored Responses API responses: sealed at rest, private to their author, bounded per member
 * (oldest first) and deleted by the retention sweep once their TTL is over.
 */
const DAY_MS = 86_400_000;
let h: ReturnType<typeof tempDb>;
let now: number;
let store: ResponseStore;
let ada: string;
let bob: string;
const warnings: string[] = [];

/** A stored response whose JSON is `size`-ish bytes (the text pads it). */
const stored = (id: string, text = "x") => ({
  response: { id, output_text: text } as unknown as ResponseObject,
  items: [{ type: "message" as const, role: "user" as const, content: text }],
});
const bytesOf = (id: string, text = "x") => Buffer.byteLength(JSON.stringify(stored(id, text)));

beforeEach(() => {
  h = tempDb();
  now = 1_800_000_000_000;
  const members = new MembersRepo(h.db, () => now);
  ada = members.create({ name: "Ada", role: "member" }).id;
  bob = members.create({ name: "Bob", role: "member" }).id;
  warnings.length = 0;
  store = new ResponseStore({
    repo: new ResponsesRepo(h.db),
    cipher: keyFileCipher(path.join(path.dirname(h.file), "secret.key")),
    ttlDays: 30,
    // Room for exactly three of the small responses below.
    maxBytesPerMember: 3 * bytesOf("resp_1"),
    log: { warn: (_o, msg) => warnings.push(msg) },
    now: () => now,
  });
});
afterEach(() => h.dispose());

describe("ResponseStore", () => {
  it("keeps content sealed: the prompt text is not in the database file's rows", () => {
    store.save(ada, stored("resp_1", "the launch code is swordfish"));
    const row = h.db.prepare("SELECT * FROM stored_responses").get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain("swordfish");
    expect((row.sealed as Buffer).toString("latin1")).not.toContain("swordfish");
    expect(store.load("resp_1", ada)!.items).toEqual(
      stored("resp_1", "the launch code is swordfish").items,
    );
  });

  it("is private to its author: another member can neither load nor delete it", () => {
    store.save(ada, stored("resp_1"));
    expect(store.load("resp_1", bob)).toBeUndefined();
    expect(store.delete("resp_1", bob)).toBe(false);
    expect(store.load("resp_1", ada)?.response.id).toBe("resp_1");
    expect(store.delete("resp_1", ada)).toBe(true);
    expect(store.load("resp_1", ada)).toBeUndefined();
  });

  it("is bounded per member: the oldest go first, other members are untouched", () => {
    store.save(bob, stored("resp_b"));
    for (const id of ["resp_1", "resp_2", "resp_3"]) {
      store.save(ada, stored(id));
      now += 1;
    }
    store.save(ada, stored("resp_4"));
    expect(["resp_1", "resp_2", "resp_3", "resp_4"].map((id) => !!store.load(id, ada))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(store.load("resp_b", bob)).toBeDefined();
    // One larger than the whole bound is not stored, and nothing is evicted for it.
    store.save(ada, stored("resp_big", "y".repeat(4 * bytesOf("resp_1"))));
    expect(store.load("resp_big", ada)).toBeUndefined();
    expect(store.load("resp_2", ada)).toBeDefined();
    expect(warnings).toEqual(["response larger than the per-member bound: not stored"]);
  });

  it("expires after ttlDays: unreadable from then on, and deleted by the retention sweep", () => {
    store.save(ada, stored("resp_1"));
    now += 30 * DAY_MS - 1;
    expect(store.load("resp_1", ada)).toBeDefined();
    now += 1;
    expect(store.load("resp_1", ada)).toBeUndefined();
    const sweeper = new RetentionSweeper({
      db: h.db,
      retentionDays: () => null,
      monthOf: () => "2027-01",
      now: () => now,
    });
    sweeper.sweepNow();
    expect(h.db.prepare("SELECT count(*) AS n FROM stored_responses").get()).toEqual({ n: 0 });
  });
});
