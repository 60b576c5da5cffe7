import { GgmlType, InsufficientMemoryError, resolveChatWrapper } from "node-llama-cpp";
import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import type { EngineGrammar, LoadedModelInfo, LoadOptions } from "../protocol.js";
import { EngineError } from "../EngineError.js";
import { GrammarCache } from "./GrammarCache.js";
import { tokenizeSliced, type SliceOptions, type SlicedTokens } from "./slicedTokenize.js";

/**
 * A model resident in the engine host: weights, one context with N sequences, and lazily an
 * embedding context. Sequences are kept (not disposed) between requests so a follow-up turn of
 * the same chat reuses the cached prefix instead of evaluating the whole prompt again.
 */
export class ResidentModel {
  private readonly free: LlamaContextSequence[];
  private embeddingContext?: Promise<LlamaEmbeddingContext>;
  private readonly grammars = new GrammarCache<LlamaGrammar>((g) => g.grammar.length);
  /** Per sequence: the session it last served and when (a counter), for the choice above. */
  private readonly lastUse = new WeakMap<LlamaContextSequence, { session?: string; at: number }>();
  private useClock = 0;
  /** Chat template resolved once from the GGUF's `tokenizer.chat_template` (ChatML, Llama 3…). */
  readonly chatWrapper: ChatWrapper;

  private constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly info: LoadedModelInfo,
    private readonly threads: number,
  ) {
    this.chatWrapper = resolveChatWrapper(model);
    this.free = Array.from({ length: context.totalSequences }, () => context.getSequence());
  }

  static async load(
    llama: Llama,
    modelId: string,
    path: string,
    options: LoadOptions,
    threads: number,
  ): Promise<ResidentModel> {
    const started = performance.now();
    let model: LlamaModel;
    try {
      // "auto" offloads what fits in free VRAM; ignored (0) without a GPU.
      model = await llama.loadModel({ modelPath: path, gpuLayers: options.gpuLayers });
    } catch (err) {
      throw loadError(modelId, "load", options, err);
    }
    try {
      const kv = options.kvCacheType.toUpperCase() as keyof typeof GgmlType;
      const context = await model.createContext({
        // "auto": node-llama-cpp's resolver (`GgufInsightsConfigurationResolver
        // .resolveContextContextSize`) picks the largest context per sequence whose estimated
        // KV cache + compute buffers for `sequences` fit free VRAM and RAM (RAM alone on CPU-only
        // machines), capped at the training context. A number is checked against free memory the
        // same way and throws InsufficientMemoryError instead of shrinking. Either way never above
        // the training context: positions beyond it are meaningless.
        contextSize:
          options.contextSize === "auto"
            ? "auto"
            : Math.min(options.contextSize, model.trainContextSize),
        sequences: options.sequences,
        flashAttention: options.flashAttention,
        experimentalKvCacheKeyType: kv,
        experimentalKvCacheValueType: kv,
        threads: { ideal: threads, min: threads },
      });
      const memory = {
        ram: model.memoryUsage.ram + context.memoryUsage.ram,
        vram: model.memoryUsage.vram + context.memoryUsage.vram,
      };
      const info: LoadedModelInfo = {
        modelId,
        contextSize: context.contextSize,
        sequences: context.totalSequences,
        trainContextSize: model.trainContextSize,
        embeddingLength: model.embeddingVectorSize,
        gpuLayers: model.gpuLayers,
        flashAttention: context.flashAttention,
        kvCacheType: (GgmlType[context.kvCacheKeyType]?.toLowerCase() ??
          options.kvCacheType) as LoadedModelInfo["kvCacheType"],
        // node-llama-cpp's own accounting; when it has none (0), the weights and the KV state.
        memory:
          memory.ram + memory.vram > 0 ? memory : { ram: model.size + context.stateSize, vram: 0 },
        loadMs: Math.round(performance.now() - started),
      };
      return new ResidentModel(llama, model, context, info, threads);
    } catch (err) {
      await model.dispose();
      throw loadError(modelId, "context", options, err);
    }
  }

  /**
   * Takes the free sequence that saves the most work for `prompt`:
   * - the one whose cached tokens share the longest prefix with it, so a conversation's next turn
   *   lands on the sequence that already holds its history (ties: the one that last served the
   *   same `sessionKey`);
   * - when no sequence shares a useful prefix (fewer than `USEFUL_PREFIX` tokens: a chat
   *   template's opening is shared by every chat), an empty sequence if there is one (nothing to
   *   erase), else the least recently used, so the most recent conversations keep their prefixes.
   */
  acquireSequence(
    prompt: readonly Token[],
    sessionKey?: string,
  ): { sequence: LlamaContextSequence; cachedTokens: number } {
    if (this.free.length === 0) throw new EngineError("internal", "no free sequence");
    let best = -1;
    let bestShared = -1;
    for (let i = 0; i < this.free.length; i++) {
      const shared = sharedPrefix(this.free[i]!.contextTokens, prompt);
      const sameSession =
        sessionKey !== undefined && this.lastUse.get(this.free[i]!)?.session === sessionKey;
      if (shared > bestShared || (shared === bestShared && sameSession)) {
        best = i;
        bestShared = shared;
      }
    }
    if (bestShared < USEFUL_PREFIX) {
      const empty = this.free.findIndex((s) => s.contextTokens.length === 0);
      best = empty >= 0 ? empty : this.leastRecentlyUsed();
      bestShared = sharedPrefix(this.free[best]!.contextTokens, prompt);
    }
    const [sequence] = this.free.splice(best, 1);
    this.lastUse.set(sequence!, { session: sessionKey, at: ++this.useClock });
    // The last prompt token is always evaluated again to get fresh logits.
    return {
      sequence: sequence!,
      cachedTokens: Math.max(0, Math.min(bestShared, prompt.length - 1)),
    };
  }

  private leastRecentlyUsed(): number {
    let oldest = 0;
    for (let i = 1; i < this.free.length; i++) {
      const at = this.lastUse.get(this.free[i]!)?.at ?? 0;
      if (at < (this.lastUse.get(this.free[oldest]!)?.at ?? 0)) oldest = i;
    }
    return oldest;
  }

  /**
   * Text or caller-supplied token ids as tokens; text tokenized in slices, stopping past
   * `opts.limit` (slicedTokenize.ts). Ids outside the vocabulary are refused here: llama.cpp
   * would read past its embedding table.
   */
  async tokens(input: string | readonly number[], opts: SliceOptions = {}): Promise<SlicedTokens> {
    if (typeof input === "string") return tokenizeSliced(this.model.tokenizer, input, opts);
    const bad = input.find((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabularySize);
    if (bad !== undefined) {
      throw new EngineError(
        "invalid_input",
        `Token id ${bad} is outside this model's vocabulary (0..${this.vocabularySize - 1}).`,
      );
    }
    return { tokens: input as Token[], complete: true };
  }

  /** Vocabulary size from the token embedding tensor (`token_embd.weight` is [n_embd, n_vocab]). */
  get vocabularySize(): number {
    const tensor = this.model.fileInfo.tensorInfo?.find((t) => t.name === "token_embd.weight");
    const fromTensor = tensor ? Number(tensor.dimensions[1]) : NaN;
    if (Number.isFinite(fromTensor)) return fromTensor;
    const tokens = this.model.fileInfo.metadata.tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : 0;
  }

  releaseSequence(sequence: LlamaContextSequence): void {
    if (!sequence.disposed) this.free.push(sequence);
  }

  /**
   * The grammar for `spec`, from a bounded cache (GrammarCache.ts). Creating one is synchronous
   * work on this process's only thread (GBNF generation, then llama.cpp's parser), so it runs
   * between other members' batches; the gateway's schema limits (engine/schemaLimits.ts) keep it
   * to tens of milliseconds.
   */
  grammarFor(spec: EngineGrammar): Promise<LlamaGrammar> {
    return this.grammars.get(spec, () =>
      (spec.type === "json"
        ? this.llama.getGrammarFor("json")
        : // The schema was validated as JSON by the gateway; node-llama-cpp supports a subset of
          // JSON Schema and throws on the rest, which becomes a 400 invalid_grammar.
          this.llama.createGrammarForJsonSchema(spec.schema as never)
      ).catch((err: unknown) => {
        throw new EngineError(
          "invalid_grammar",
          `Unsupported JSON schema: ${(err as Error).message}`,
        );
      }),
    );
  }

  /** Grammars kept for this model (observability for tests). */
  get grammarsKept(): { count: number; bytes: number } {
    return { count: this.grammars.size, bytes: this.grammars.bytes };
  }

  embeddings(): Promise<LlamaEmbeddingContext> {
    this.embeddingContext ??= this.model.createEmbeddingContext({
      contextSize: this.info.contextSize,
      threads: this.threads,
    });
    return this.embeddingContext;
  }

  async dispose(): Promise<void> {
    const embedding = await this.embeddingContext?.catch(() => undefined);
    await embedding?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}

/**
 * Shared prompt tokens below which a sequence's cache is not worth taking over from the
 * conversation it holds (a chat template's opening lines are a handful of tokens).
 */
const USEFUL_PREFIX = 32;

function sharedPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * A failed load as an EngineError that says what to lower: `insufficient_memory` when
 * node-llama-cpp found the weights or the context too large for free memory, `model_load_failed`
 * otherwise (naming the KV-cache type and flash attention when they were set, since a quantized
 * KV cache that does not suit the model fails in llama.cpp without saying why).
 */
function loadError(
  modelId: string,
  stage: "load" | "context",
  options: LoadOptions,
  err: unknown,
): EngineError {
  const reason = (err as Error).message;
  const context =
    options.contextSize === "auto" ? "auto context" : `context ${options.contextSize}`;
  if (err instanceof InsufficientMemoryError) {
    const lower =
      stage === "load"
        ? "lower the GPU layers (or leave them on auto)"
        : "lower the context size or the sequences, pick a smaller KV-cache type (q8_0, q4_0), or lower the GPU layers";
    return new EngineError(
      "insufficient_memory",
      `Cannot load ${modelId} with ${context} × ${options.sequences} sequences: ${reason}. To fit, ${lower}.`,
    );
  }
  const hint =
    stage === "context" && (options.kvCacheType !== "f16" || options.flashAttention !== "auto")
      ? ` Check the KV-cache type (${options.kvCacheType}) and flash attention (${String(options.flashAttention)}): quantized KV caches need flash attention and a head size they divide.`
      : "";
  return new EngineError(
    "model_load_failed",
    stage === "load"
      ? `Cannot load ${modelId}: ${reason}`
      : `Cannot create a context for ${modelId} (${context} × ${options.sequences} sequences): ${reason}.${hint}`,
  );
}
