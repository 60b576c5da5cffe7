import type { ChatRequest, EmbeddingRequest, TextCompletionRequest } from "./types.js";

/**
 * Tokens a chat template may add around each message (role markers, separators) and once per
 * prompt (a default system prompt, the assistant prefix). Generous on purpose: the bound only
 * sizes a reservation, settlement uses the model's exact count.
 */
const PER_MESSAGE = 8;
const PER_PROMPT = 64;

/**
 * An upper bound on a prompt's tokens, known before the model tokenises it: byte-level BPE and
 * SentencePiece with byte fallback never produce more (non-special) tokens than UTF-8 bytes.
 */
export function chatPromptBound(req: ChatRequest): number {
  let n = PER_PROMPT;
  for (const m of req.messages) n += Buffer.byteLength(m.content, "utf8") + PER_MESSAGE;
  return n;
}

export function textPromptBound(req: TextCompletionRequest): number {
  const p = req.prompt;
  return (typeof p === "string" ? Buffer.byteLength(p, "utf8") : p.length) + PER_MESSAGE;
}

export function embeddingBound(req: EmbeddingRequest): number {
  let n = 0;
  for (const input of req.inputs)
    n +=
      (typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length) + PER_MESSAGE;
  return n;
}
