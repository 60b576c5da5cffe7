import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  sliceEnd,
  tokenizeLlamaTextSliced,
  tokenizeSliced,
} from "../../src-main/engine/host/slicedTokenize.js";
import { generatedModel } from "../helpers/models.js";

// Tokenizing in slices with the event loop yielded between them, on the real node-llama-cpp:
// the same tokens as one pass wherever a slice ends at a word boundary, and no more tokenizing
// than a caller's limit needs.

let llama: Llama;
let tiny: LlamaModel;
beforeAll(async () => {
  // Quiet: vocabulary-only files have no tensors, which llama.cpp reports as errors.
  llama = await getLlama({
    gpu: false,
    build: "never",
    maxThreads: 1,
    logLevel: LlamaLogLevel.fatal,
  });
  tiny = await llama.loadModel({ modelPath: generatedModel() });
});
afterAll(async () => {
  await tiny?.dispose();
  await llama?.dispose();
});

/** Prose, code, whitespace runs, punctuation and non-Latin text, with the tiny model's merges. */
const MIXED = [
  "In the beginning there were the tokens; then the merges ran over them again and again.",
  "function there(a, b) {\n  return a + b; // then return the result\n}\n\n\n    indented  twice",
  "Ünïcödé wörds, 漢字とかな混じりの文、emoji 🚀🚀 and tabs\tbetween\tthe words.\r\n",
  "x".repeat(300) + " then " + "!?".repeat(200) + " re on er in he",
].join("\n");
const text = Array.from({ length: 40 }, (_, i) => `${i}: ${MIXED}`).join("\n");

describe("sliced tokenization", () => {
  it("gives exactly the tokens of one pass when slices end at word boundaries", async () => {
    const whole = tiny.tokenize(text);
    for (const sliceChars of [64, 512, 8192]) {
      const sliced = await tokenizeSliced(tiny.tokenizer, text, { sliceChars });
      expect(sliced.complete).toBe(true);
      expect(sliced.tokens).toEqual(whole);
    }
  });

  it("renders a chat to the same tokens as LlamaText.tokenize", async () => {
    const { resolveChatWrapper } = await import("node-llama-cpp");
    const { contextText } = resolveChatWrapper(tiny).generateContextState({
      chatHistory: [
        { type: "system", text: "Be brief. ".repeat(300) },
        { type: "user", text },
        { type: "model", response: [] },
      ],
    });
    const sliced = await tokenizeLlamaTextSliced(tiny.tokenizer, contextText, { sliceChars: 512 });
    expect(sliced.tokens).toEqual(contextText.tokenize(tiny.tokenizer));
  });

  it("stops past the limit: the rest of a huge run is never tokenized", async () => {
    const limited = await tokenizeSliced(tiny.tokenizer, "a".repeat(400_000), { limit: 512 });
    expect(limited.complete).toBe(false);
    expect(limited.tokens.length).toBeGreaterThan(512);
    expect(limited.tokens.length).toBeLessThanOrEqual(8192); // one slice
  });

  it("lets other work run between slices", async () => {
    const order: string[] = [];
    setImmediate(() => order.push("other work"));
    const all = await tokenizeSliced(tiny.tokenizer, "a".repeat(40_000));
    order.push("tokenized");
    expect(all.tokens).toHaveLength(40_000);
    expect(order).toEqual(["other work", "tokenized"]);
  });

  it("cuts where a new word starts, else before punctuation after a letter, else anywhere", () => {
    expect(sliceEnd("hello world again", 0, 14)).toBe(11);
    expect(sliceEnd("a  b", 0, 3)).toBe(3); // within a whitespace run: no word boundary
    expect(sliceEnd("漢字漢字。漢字漢字", 0, 7)).toBe(4);
    expect(sliceEnd("abcdefgh", 0, 5)).toBe(5);
    expect(sliceEnd("abcd🚀🚀", 0, 5)).toBe(4); // never between a surrogate pair
  });

  // llama.cpp's own tokenizer test vocabularies, a Llama 3-style BPE (Qwen 2) and a SentencePiece
  // one (Llama 2), where node-llama-cpp's llama.cpp source is present (after a native build).
  const vocabs = vocabularyFiles();
  it.runIf(vocabs.length > 0)("is exact on real vocabularies", async () => {
    // llama.cpp's tokenizer test inputs (no run in them is longer than a slice).
    const corpus = vocabs
      .map((f) => fs.readFileSync(`${f}.inp`, "utf8").replaceAll("__ggml_vocab_test__", ""))
      .join("\n");
    const inexact: string[] = [];
    for (const file of vocabs) {
      const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
      const sliced = await tokenizeSliced(model.tokenizer, corpus, { sliceChars: 256 });
      if (JSON.stringify(sliced.tokens) !== JSON.stringify(model.tokenize(corpus)))
        inexact.push(path.basename(file));
      await model.dispose();
    }
    expect(inexact).toEqual([]);
  });
});

function vocabularyFiles(): string[] {
  const require = createRequire(import.meta.url);
  const root = path.resolve(path.dirname(require.resolve("node-llama-cpp")), "..");
  const dir = path.join(root, "llama", "llama.cpp", "models");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^ggml-vocab-(qwen2|llama-spm)\.gguf$/.test(f))
    .map((f) => path.join(dir, f));
}
