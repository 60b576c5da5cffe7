import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";

/**
 * Prompts that are one enormous run of characters without a space. Tokenizing one in the engine
 * host in a single call held every other member's generation and embedding (11 s for 400,000
 * characters): now a prompt beyond the context stops being tokenized at the context, and a long
 * tokenization (count_tokens) runs in slices that let other requests through. Real server and
 * engine; order and counts, no timings.
 */
let t: TestServer;
let hostile: TestMember;
let other: TestMember;

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  hostile = t.addMember({ name: "hostile" });
  other = t.addMember({ name: "other" });
});
afterAll(async () => {
  await t?.close();
});

const RUN = "a".repeat(2_000_000);

/** Polls `check` every 10 ms for at most `ms`. */
async function waitFor(check: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("long runs without whitespace", () => {
  it("a chat or embedding beyond the context is refused after tokenizing only as far as the context", async () => {
    const chat = hostile.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: RUN }], max_tokens: 1 })
      .catch((e: unknown) => e);
    const embedding = hostile.openai.embeddings
      .create({ model: "tiny", input: RUN })
      .catch((e: unknown) => e);
    const normal = other.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
    });
    const [chatErr, embedErr, ok] = await Promise.all([chat, embedding, normal]);
    // "more than 512": counting stopped at the context, the other 1.99 M characters untouched.
    expect(chatErr).toMatchObject({
      status: 400,
      code: "context_length_exceeded",
      message: expect.stringContaining("the prompt alone has more than 512") as string,
    });
    expect(embedErr).toMatchObject({
      status: 400,
      code: "context_length_exceeded",
      message: expect.stringContaining("more than 512 tokens") as string,
    });
    expect(ok.object).toBe("chat.completion");
  });

  it("counting a 2 MB run lets another member's completion through before it ends", async () => {
    const anthropic = new Anthropic({
      baseURL: t.url,
      apiKey: hostile.key,
      maxRetries: 0,
      timeout: 150_000,
    });
    const order: string[] = [];
    const counting = anthropic.messages
      .countTokens({ model: "tiny", messages: [{ role: "user", content: RUN }] })
      .then((r) => {
        order.push("count");
        return r.input_tokens;
      });
    // The count is in the engine host (the model holds it in flight) before the other asks.
    await waitFor(() => t.core.engine.status()[0]?.inFlight === 1);
    const normal = other.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 })
      .then(() => order.push("other"));
    const [counted] = await Promise.all([counting, normal]);
    expect(order).toEqual(["other", "count"]);
    // Exact: every character is a token for this vocabulary, plus the chat template's.
    expect(counted).toBeGreaterThan(2_000_000);
    expect(counted).toBeLessThan(2_000_100);
  });
});
