import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { addFakePool } from "../helpers/fakePool.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";

/**
 * `logprobs` where a target cannot report them: a 400 naming the parameter, never an answer
 * with `logprobs: null` as if nothing had been asked (issue 12). OpenAI-compatible pools pass
 * them through (test/pools/passThrough.test.ts).
 */
let t: TestServer;
let ant: FakeUpstream;
let member: TestMember;

beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
  ant = await startFakeUpstream({ protocol: "anthropic" });
  addFakePool(t.core, ant, "claude", "anthropic");
  member = t.addMember();
});
afterAll(async () => {
  await t?.close();
  await ant?.close();
});

const chat = (model: string, extra: Record<string, unknown>) =>
  member.openai.chat.completions
    .create({
      model,
      max_tokens: 2,
      messages: [{ role: "user", content: "hi" }],
      ...extra,
    } as never)
    .catch((e: unknown) => e);

describe("logprobs a target cannot report", () => {
  it("a local model refuses logprobs and top_logprobs with a 400 naming the parameter", async () => {
    expect(await chat("tiny", { logprobs: true })).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "logprobs",
    });
    expect(await chat("tiny", { top_logprobs: 2 })).toMatchObject({
      status: 400,
      param: "top_logprobs",
    });
    // Asking for none is fine.
    const ok = (await chat("tiny", { logprobs: false, temperature: 0 })) as {
      choices: { logprobs: unknown }[];
    };
    expect(ok.choices[0]!.logprobs).toBeNull();
  });

  it("text completions (local models only) refuse logprobs", async () => {
    const err = await member.openai.completions
      .create({ model: "tiny", prompt: "a", max_tokens: 1, logprobs: 2 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: "unsupported_parameter", param: "logprobs" });
  });

  it("an Anthropic pool refuses them, and nothing reaches the upstream", async () => {
    expect(await chat("claude", { logprobs: true })).toMatchObject({
      status: 400,
      code: "unsupported_parameter",
      param: "logprobs",
    });
    expect(ant.requests).toHaveLength(0);
  });
});
