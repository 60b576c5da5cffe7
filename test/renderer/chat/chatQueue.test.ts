import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createChatStore } from "../../../src-renderer/stores/useChatStore";
import { longRunningPrompt, startTestServer, type TestServer } from "../../helpers/testServer";

/**
 * The chat store against a real server whose model has one sequence: while another request holds
 * it, the answer on screen carries its place in line (from the server's own SSE comments), and
 * loses it when the text arrives.
 */
let t: TestServer;
beforeAll(async () => {
  // The whole training context, so the holder's answer can be long enough to still be running.
  t = await startTestServer({ engine: { sequences: 1, contextSize: 4096 } });
});
afterAll(async () => {
  await t?.close();
});

describe("the chat store while the model is busy", () => {
  it("shows the answer's place in line until its text starts", async () => {
    const prompt = await longRunningPrompt(t);
    // Ready before the holder starts: its answer (greedy, so always the same) lasts only ~80
    // tokens, and the store's request must arrive while it runs. A slower machine only widens that.
    const member = t.addMember();
    const store = createChatStore({
      api: async () => createApiClient(t.url, { apiKey: () => member.key, timeoutMs: 30_000 }),
      role: () => "member",
    });
    // Greedy: at the server's default temperature the tiny model's random weights sometimes pick
    // end-of-text first, and the answer would be empty for a reason that has nothing to do with
    // waiting in line.
    store.getState().setTemperature(0);
    await store.getState().loadModels();
    // Another client holds the only sequence: read until its first piece, so it is generating.
    const holder = new AbortController();
    const held = await t.openai.chat.completions.create(
      {
        model: "tiny",
        messages: [{ role: "user", content: prompt }],
        max_tokens: 3500,
        temperature: 0,
        stream: true,
      },
      { signal: holder.signal },
    );
    const pieces = held[Symbol.asyncIterator]();
    await pieces.next();

    const seen: (number | string)[] = [];
    let waitingSeen: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (waitingSeen = resolve));
    const off = store.subscribe((s) => {
      const last = s.messages.at(-1);
      if (last?.role !== "assistant" || !last.streaming) return;
      const now = last.content ? "text" : last.queuedAhead;
      if (now !== undefined && seen.at(-1) !== now) seen.push(now);
      if (last.queuedAhead === 0) waitingSeen();
    });
    const sent = store.getState().send("hi");
    // Fails (rather than hangs) if the holder finished before the request could wait.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const never = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the answer never waited in line (saw ${seen})`)),
        60_000,
      );
    });
    await Promise.race([waiting, never]).finally(() => clearTimeout(timer));
    // Nothing is generated for it while it waits; freeing the sequence lets it start.
    holder.abort();
    await pieces.return?.();
    await sent;
    off();

    expect(seen[0]).toBe(0);
    expect(seen.slice(1).every((x) => x === "text")).toBe(true);
    const answer = store.getState().messages.at(-1)!;
    expect(answer.queuedAhead).toBeUndefined();
    expect(answer.error).toBeNull();
    expect(answer.content.length).toBeGreaterThan(0);
  });
});
