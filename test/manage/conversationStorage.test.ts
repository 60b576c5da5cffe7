import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { bearer, client } from "./manageClient.js";

/**
 * Saved chats are bounded per member (config chat.maxStoredBytesPerMember): titles, system
 * prompts and messages count in UTF-8 bytes; a write past the bound is a 409 that saves nothing.
 */
let t: TestServer;
let a: TestMember;
let b: TestMember;
beforeAll(async () => {
  t = await startTestServer({ chat: { maxStoredBytesPerMember: 1000 } });
  a = t.addMember({ name: "Ada" });
  b = t.addMember({ name: "Bob" });
});
afterAll(() => t?.close());

const stored = (memberId: string) => t.core.store.conversations.storedBytes(memberId);
const messages = () =>
  (t.core.db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;

describe("a member's saved-chat storage", () => {
  it("counts bytes, refuses the write that would pass the bound, and frees room on delete", async () => {
    const asA = client(t, bearer(a.key));
    // "New chat" (8 bytes) + 2 × "é" (2 bytes each) × 200 = 808 bytes.
    const first = await asA.post("/conversations", {
      messages: [
        { role: "user", content: "é".repeat(200) },
        { role: "assistant", content: "é".repeat(200) },
      ],
    });
    expect(first.status).toBe(201);
    expect(stored(a.id)).toBe(808);

    const before = messages();
    const over = await asA.post(`/conversations/${first.body.id}/messages`, {
      messages: [{ role: "user", content: "x".repeat(193) }], // 808 + 193 = 1001
    });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({
      code: "chat_storage_full",
      message: expect.stringContaining("delete old conversations"),
    });
    expect(messages()).toBe(before);
    const fits = await asA.post(`/conversations/${first.body.id}/messages`, {
      messages: [{ role: "user", content: "x".repeat(192) }], // exactly 1000
    });
    expect(fits.status).toBe(201);
    expect(stored(a.id)).toBe(1000);

    // A new conversation or a longer system prompt is a write too.
    expect((await asA.post("/conversations", { title: "t" })).status).toBe(409);
    const grow = await asA.patch(`/conversations/${first.body.id}`, { system_prompt: "s" });
    expect(grow.status).toBe(409);
    // A shorter title frees room for a change elsewhere.
    expect((await asA.patch(`/conversations/${first.body.id}`, { title: "N" })).status).toBe(200);
    expect(stored(a.id)).toBe(993);

    // Another member's bound is their own.
    const asB = client(t, bearer(b.key));
    expect(
      (await asB.post("/conversations", { messages: [{ role: "user", content: "hi" }] })).status,
    ).toBe(201);

    expect((await asA.del(`/conversations/${first.body.id}`)).status).toBe(200);
    expect(stored(a.id)).toBe(0);
    expect((await asA.post("/conversations", { title: "again" })).status).toBe(201);
  });
});
