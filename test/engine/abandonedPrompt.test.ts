import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY_MODEL } from "../fixtures/gguf/makeLlamaModel.js";
import { usageRows } from "../ledger/ledgerQueries.js";
import { generatedModel } from "../helpers/models.js";
import {
  plainText,
  startTestServer,
  type TestMember,
  type TestServer,
} from "../helpers/testServer.js";

/**
 * A client that leaves while its long prompt is being read: the engine stops within one batch
 * (512 tokens) instead of reading the whole prompt first (11.5 s of engine time in an audit),
 * and the next member's request gets the sequence. A model wider than the tiny one, so reading
 * a 3,500-token prompt takes many times longer than the abort takes to arrive. Counts, no timings.
 */
const SLOW_MODEL = {
  ...TINY_MODEL,
  name: "benchtop-slow",
  embeddingLength: 256,
  blockCount: 4,
  headCount: 8,
  headCountKv: 4,
  feedForwardLength: 1024,
};

let t: TestServer;
let leaver: TestMember;
let next: TestMember;

beforeAll(async () => {
  t = await startTestServer({
    models: { slow: generatedModel(SLOW_MODEL, "slow") },
    // One sequence: the next request waits for the abandoned one's.
    engine: { threads: 1, sequences: 1, contextSize: 4096 },
  });
  leaver = t.addMember({ name: "leaver" });
  next = t.addMember({ name: "next" });
});
afterAll(async () => {
  await t?.close();
});

const streamBody = (content: string) =>
  JSON.stringify({
    model: "slow",
    messages: [{ role: "user", content }],
    max_tokens: 4,
    stream: true,
  });

describe("a client that abandons a long prompt", () => {
  it("stops the engine within a batch: the next member's request starts before the prompt would have been read", async () => {
    await t.core.engine.load("slow");
    const evaluated = () => t.core.engine.evaluatedTokens.get("slow") ?? 0;
    const before = evaluated();

    const leaving = new AbortController();
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${leaver.key}` },
      body: streamBody(plainText(3500)),
      signal: leaving.signal,
    });
    // The stream opens once the prompt is tokenized and holds the sequence; then the client goes.
    expect(res.status).toBe(200);
    leaving.abort();

    // The next member's request waits for the sequence (its stream opens at once, reporting its
    // place in line); its first chunk comes once it holds the sequence.
    const res2 = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${next.key}` },
      body: streamBody("hello"),
    });
    expect(res2.status).toBe(200);
    let atNextStart = -1;
    let body = "";
    const decoder = new TextDecoder();
    for await (const chunk of res2.body!) {
      body += decoder.decode(chunk as Uint8Array, { stream: true });
      if (atNextStart < 0 && body.includes("data: {")) atNextStart = evaluated();
    }
    expect(body).toContain("data: [DONE]");

    const [left] = usageRows(t.core, "member_id = ?", leaver.id);
    expect(left).toMatchObject({ outcome: "aborted" });
    const promptTokens = left!.prompt_tokens!;
    expect(promptTokens).toBeGreaterThan(3500);
    // When the next request started, the engine had evaluated less than the abandoned prompt:
    // the rest of it was never read.
    expect(atNextStart - before).toBeGreaterThan(0);
    expect(atNextStart - before).toBeLessThan(promptTokens);
  });
});
