import { getLlama, type Llama, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedModel } from "../helpers/models.js";

// Plain node-llama-cpp, no Benchtop: proves what patches/node-llama-cpp+*.patch changes.
// Unpatched, the batch dispatcher keeps the context lock while any sequence has work queued, so
// erasing a reused sequence's tokens (which needs that lock) waits until every decoding stream
// has finished: a third request starves behind two streams.

let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
});
afterAll(async () => {
  await llama?.dispose();
});

/** Generates `count` tokens after `prompt` (end-of-generation ignored), logging first and last. */
async function stream(
  name: string,
  seq: LlamaContextSequence,
  prompt: Token[],
  count: number,
  log: string[],
  onToken?: (n: number) => void,
): Promise<void> {
  let n = 0;
  for await (const _ of seq.evaluate(prompt, { temperature: 0 })) {
    if (n++ === 0) log.push(`${name}:first`);
    onToken?.(n);
    if (n >= count) break;
  }
  log.push(`${name}:end`);
}

describe("node-llama-cpp dispatcher (patched)", () => {
  it("a request on a reused sequence starts while two others are decoding", async () => {
    const model = await llama.loadModel({ modelPath: generatedModel() });
    const context = await model.createContext({ contextSize: 3 * 1024, sequences: 3 });
    try {
      const [a, b, c] = [context.getSequence(), context.getSequence(), context.getSequence()];
      const prompt = model.tokenize("hello there");
      // Every sequence holds an earlier request's tokens, as Benchtop keeps them for prefix reuse.
      for (const seq of [a, b, c]) await stream("warm", seq, prompt, 2, []);
      const log: string[] = [];
      await Promise.all([a.clearHistory(), b.clearHistory()]);
      let started!: () => void;
      const bothDecoding = new Promise<void>((resolve) => (started = resolve));
      let decoding = 0;
      const atTen = (n: number) => {
        if (n === 10 && ++decoding === 2) started();
      };
      const streams = [
        stream("A", a, prompt, 400, log, atTen),
        stream("B", b, prompt, 400, log, atTen),
      ];
      await bothDecoding;
      // C erases its stale tokens (the context lock) and evaluates its prompt.
      const third = (async () => {
        await c.clearHistory();
        await stream("C", c, model.tokenize("another question"), 1, log);
      })();
      await Promise.all([...streams, third]);
      expect(log.indexOf("C:first")).toBeGreaterThan(-1);
      expect(log.indexOf("C:first")).toBeLessThan(log.indexOf("A:end"));
      expect(log.indexOf("C:first")).toBeLessThan(log.indexOf("B:end"));
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });
});
