import { startBenchtop } from "./benchtop.js";
import { streamChat, type ChatMessage } from "./sseClient.js";
import { median } from "./stats.js";

export interface SecondTurnOptions {
  modelPath: string;
  threads: number;
  binary: "auto" | "prebuilt" | "native";
  core: "src" | "dist";
  /**
   * Context tokens per sequence of this scenario's own Benchtop: room for the whole conversation
   * (turn 1's prompt, its answer, the follow-up, the second answer).
   */
  contextSize: number;
  /** Sequences of this scenario's Benchtop: few, since each holds `contextSize` tokens of KV. */
  sequences: number;
  /** Turn 1's user message, in tokens (1 character = 1 token with the generated model). */
  promptTokens: number;
  /** The follow-up user message of turn 2, in tokens. */
  followUpTokens: number;
  /** max_tokens of both turns: only the first token is timed. */
  maxTokens: number;
  /** Conversations measured (medians reported). */
  reps: number;
  nextPrompt(tokens: number): string;
  waitQuiet(): Promise<unknown>;
}

export interface SecondTurnSample {
  turn1TtftMs: number;
  turn2TtftMs: number;
  turn1PromptTokens?: number;
  turn2PromptTokens?: number;
  /** `prompt_tokens_details.cached_tokens` reported for turn 2. */
  turn2CachedTokens?: number;
}

export interface SecondTurnResult {
  samples: SecondTurnSample[];
  turn1TtftP50Ms: number;
  turn2TtftP50Ms: number;
  /** turn2TtftP50Ms / turn1TtftP50Ms (well under 1 when turn 2 reuses turn 1's cache). */
  ratio: number;
  turn2CachedP50: number;
  turn1PromptP50: number;
  info: Record<string, unknown>;
}

/**
 * Second-turn TTFT: a chat (chat completions, the model's own template) whose first turn has a
 * long prompt, then a second turn that extends it (turn 1's messages, its answer, a short
 * follow-up), as a coding agent's turns do. Turn 2 should land on the sequence that holds turn 1
 * and evaluate only what is new. Runs on its own Benchtop with a context large enough for the
 * conversation, so the other scenarios keep their small per-sequence context.
 */
export async function measureSecondTurn(o: SecondTurnOptions): Promise<SecondTurnResult> {
  const { http, benchtop } = await startBenchtop({
    modelPath: o.modelPath,
    threads: o.threads,
    binary: o.binary,
    core: o.core,
    contextSize: o.contextSize,
    sequences: o.sequences,
  });
  try {
    const chat = (messages: ChatMessage[]) =>
      streamChat(
        benchtop.url,
        benchtop.model,
        { messages, maxTokens: o.maxTokens },
        { apiKey: benchtop.member.key },
      );
    const ttft = (r: { startMs: number; tokenTimesMs: number[] }) =>
      (r.tokenTimesMs[0] ?? NaN) - r.startMs;
    // Warm-up: page in the weights (a short chat, unrelated to the measured ones).
    await chat([{ role: "user", content: o.nextPrompt(16) }]);
    const samples: SecondTurnSample[] = [];
    for (let i = 0; i < o.reps; i++) {
      await o.waitQuiet();
      const first: ChatMessage[] = [{ role: "user", content: o.nextPrompt(o.promptTokens) }];
      const a = await chat(first);
      const b = await chat([
        ...first,
        { role: "assistant", content: a.text },
        { role: "user", content: o.nextPrompt(o.followUpTokens) },
      ]);
      samples.push({
        turn1TtftMs: ttft(a),
        turn2TtftMs: ttft(b),
        turn1PromptTokens: a.promptTokens,
        turn2PromptTokens: b.promptTokens,
        turn2CachedTokens: b.cachedTokens,
      });
    }
    const turn1TtftP50Ms = median(samples.map((s) => s.turn1TtftMs));
    const turn2TtftP50Ms = median(samples.map((s) => s.turn2TtftMs));
    return {
      samples,
      turn1TtftP50Ms,
      turn2TtftP50Ms,
      ratio: turn2TtftP50Ms / turn1TtftP50Ms,
      turn2CachedP50: median(samples.map((s) => s.turn2CachedTokens ?? NaN)),
      turn1PromptP50: median(samples.map((s) => s.turn1PromptTokens ?? NaN)),
      info: {
        contextSize: http.info.contextSize,
        sequences: http.info.sequences,
        loadMs: http.info.loadMs,
      },
    };
  } finally {
    await http.close();
  }
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(digits);

/** Prints the second-turn figures; the JSON gets the whole result. */
export function printSecondTurn(
  r: SecondTurnResult,
  o: { promptTokens: number; followUpTokens: number },
) {
  console.log(
    `\nSecond turn (benchtop, chat completions): turn 1 a ${o.promptTokens}-token user message, ` +
      `turn 2 adds its answer and a ${o.followUpTokens}-token follow-up; ` +
      `own core: ctx ${fmt(r.info.contextSize as number, 0)}/seq, ${fmt(r.info.sequences as number, 0)} sequences`,
  );
  console.log(
    `  turn 1 TTFT p50   ${fmt(r.turn1TtftP50Ms)} ms (prompt ${fmt(r.turn1PromptP50, 0)} tokens)`,
  );
  console.log(
    `  turn 2 TTFT p50   ${fmt(r.turn2TtftP50Ms)} ms (cached_tokens ${fmt(r.turn2CachedP50, 0)})`,
  );
  console.log(`  turn 2 / turn 1   ${fmt(r.ratio, 3)}x`);
  for (const s of r.samples)
    console.log(
      `    turn 1 ${fmt(s.turn1TtftMs)} ms, ${s.turn1PromptTokens ?? "?"} prompt tokens; ` +
        `turn 2 ${fmt(s.turn2TtftMs)} ms, ${s.turn2PromptTokens ?? "?"} prompt tokens, ` +
        `${s.turn2CachedTokens ?? "?"} cached`,
    );
}
