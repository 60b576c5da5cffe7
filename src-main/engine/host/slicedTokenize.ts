import {
  SpecialToken,
  SpecialTokensText,
  type LlamaText,
  type Token,
  type Tokenizer,
} from "node-llama-cpp";

/**
 * Tokenizing without holding the engine host: llama.cpp tokenizes synchronously on the host's
 * only JavaScript thread, and one prompt of 400,000 characters without a space held every other
 * member's generation and embedding for 11 s. Text is cut into slices of at most `SLICE_CHARS`
 * characters, tokenized one at a time with the event loop yielded between them (other requests'
 * batches and messages run in between), and tokenizing stops as soon as more tokens are known
 * than the caller can use (a prompt beyond the context is refused without tokenizing the rest).
 *
 * Exactness: a slice ends just before a whitespace character that follows a non-whitespace one.
 * The pre-tokenizers of BPE models (GPT-2, Llama 3, Qwen…) start a new pre-token there, and
 * SentencePiece models never put a space inside a piece, so tokens never cross that boundary;
 * each later slice is tokenized as a continuation (node-llama-cpp's `trimLeadingSpace`, which
 * LlamaText itself uses between segments), so no space prefix is added to it. Only a run of more
 * than `SLICE_CHARS` characters without whitespace (a base64 blob, a minified line) has to be cut
 * inside, where a token may come out split in two: about one token more or less per
 * `SLICE_CHARS` characters of such a run, and nothing else.
 */

/** Characters tokenized between two yields. Default 8,192 (~20 ms with a 150k-token vocabulary). */
export const SLICE_CHARS = 8192;

/** What tokenizes one slice: node-llama-cpp's `model.tokenize` (no special tokens parsed). */
export type SliceTokenizer = (
  text: string,
  specialTokens: false,
  options?: "trimLeadingSpace",
) => Token[];

export interface SlicedTokens {
  tokens: Token[];
  /** False when tokenizing stopped at `limit`: `tokens` is then only the beginning. */
  complete: boolean;
}

export interface SliceOptions {
  /** Stop once more than this many tokens are known. Default: tokenize everything. */
  limit?: number;
  /** Characters per slice. Default `SLICE_CHARS`. */
  sliceChars?: number;
  /** Stop (incomplete) once aborted: the request no longer needs its prompt. */
  signal?: AbortSignal;
}

/** `text` (no special tokens), as `model.tokenize(text)` would, in slices. */
export async function tokenizeSliced(
  tokenize: SliceTokenizer,
  text: string,
  opts: SliceOptions = {},
): Promise<SlicedTokens> {
  const out: Token[] = [];
  const complete = await appendSliced(out, tokenize, text, undefined, opts);
  return { tokens: out, complete };
}

/**
 * A LlamaText (a rendered chat) as `text.tokenize(model.tokenizer)` would, its text segments in
 * slices. Mirrors LlamaText.tokenize: text between special tokens is one segment, tokenized as a
 * continuation; special tokens are tokenized as they are.
 */
export async function tokenizeLlamaTextSliced(
  tokenize: Tokenizer,
  text: LlamaText,
  opts: SliceOptions = {},
): Promise<SlicedTokens> {
  const out: Token[] = [];
  let pending = "";
  const flush = async () => {
    const done = await appendSliced(out, tokenize, pending, "trimLeadingSpace", opts);
    const hadContent = out.length > 0 || pending.length > 0;
    pending = "";
    return { done, hadContent };
  };
  for (const value of text.values) {
    if (value instanceof SpecialToken || value instanceof SpecialTokensText) {
      const { done, hadContent } = await flush();
      if (!done) return { tokens: out, complete: false };
      out.push(
        ...(value instanceof SpecialToken
          ? value.tokenize(tokenize)
          : value.tokenize(tokenize, hadContent)),
      );
    } else pending += value;
  }
  const { done } = await flush();
  return { tokens: out, complete: done && (opts.limit === undefined || out.length <= opts.limit) };
}

/** Appends the tokens of `text` to `out`; false when it stopped at the limit. */
async function appendSliced(
  out: Token[],
  tokenize: SliceTokenizer,
  text: string,
  firstOptions: "trimLeadingSpace" | undefined,
  { limit = Infinity, sliceChars = SLICE_CHARS, signal }: SliceOptions,
): Promise<boolean> {
  let start = 0;
  while (start < text.length) {
    if (out.length > limit || signal?.aborted) return false;
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = sliceEnd(text, start, sliceChars);
    const tokens = tokenize(
      text.slice(start, end),
      false,
      start === 0 ? firstOptions : "trimLeadingSpace",
    );
    for (const t of tokens) out.push(t);
    start = end;
  }
  return out.length <= limit;
}

/**
 * Where the slice starting at `start` ends: before the last whitespace character within
 * `max` characters that follows a non-whitespace one; failing that (a run without whitespace),
 * at `max` characters, never between the two halves of a surrogate pair.
 */
export function sliceEnd(text: string, start: number, max: number): number {
  const limit = start + max;
  if (limit >= text.length) return text.length;
  for (let i = limit; i > start; i--)
    if (
      text.charCodeAt(i) === 0x20 &&
      !isSpace(text.charCodeAt(i - 1)) &&
      !isSpace(text.charCodeAt(i + 1))
    )
      return i;
  // No word boundary (CJK text, minified code): before punctuation that follows a letter.
  for (let i = limit; i > start; i--)
    if (PUNCTUATION.test(text[i]!) && LETTER.test(text[i - 1]!)) return i;
  const code = text.charCodeAt(limit);
  return code >= 0xdc00 && code <= 0xdfff ? limit - 1 : limit;
}

const PUNCTUATION = /^[^\p{L}\p{N}\p{M}\s]$/u;
const LETTER = /^\p{L}$/u;

/** JavaScript's `\s` (what the tokenizers' pre-tokenizer regexes call whitespace). */
function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
