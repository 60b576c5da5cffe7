import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * Evaluates a prompt's uncached tokens into `sequence` one batch at a time, checking `signal`
 * between batches, before the generator (LlamaChat, LlamaCompletion) takes over. Left to
 * node-llama-cpp, a whole prompt is queued as one decode and the signal is first looked at once
 * every batch of it has run: a client that left kept the engine busy with its prompt for 11.5 s
 * in an audit. Here an abandoned request stops within one batch (`batchSize`: the context's,
 * node-llama-cpp's default 512 tokens or the context size if smaller).
 *
 * The prompt's last batch is left to the generator, which needs the last token's logits; it
 * finds the rest already in the sequence and evaluates only what differs, as it reuses any
 * cached prefix. The sequence's tokens beyond `cachedTokens` (an earlier conversation's) are
 * erased first. A prompt whose uncached part fits one batch is left to the generator whole.
 */
export async function evaluatePrompt(
  sequence: LlamaContextSequence,
  prompt: readonly Token[],
  cachedTokens: number,
  signal: AbortSignal,
  batchSize: number,
): Promise<void> {
  // The last batch's worth (at most `batchSize` tokens, the last one included) is left to the
  // generator, evaluated as one decode exactly as without this step: a prompt of one batch or
  // less is evaluated as it always was, with the same numbers.
  const end = prompt.length - batchSize;
  if (end <= cachedTokens) return;
  if (sequence.nextTokenIndex > cachedTokens)
    await sequence.eraseContextTokenRanges([{ start: cachedTokens, end: sequence.nextTokenIndex }]);
  for (let at = cachedTokens; at < end && !signal.aborted; at += batchSize)
    await sequence.evaluateWithoutGeneratingNewTokens(
      prompt.slice(at, Math.min(end, at + batchSize)),
    );
}
