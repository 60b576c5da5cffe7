import { AsyncQueue } from "./AsyncQueue.js";
import { EngineError } from "./EngineError.js";
import { DEFAULT_SHARE, type QueueShare } from "./FairQueue.js";
import { ModelResidency, type Resident } from "./ModelResidency.js";
import type {
  EngineToolCall,
  FinishReason,
  GenerateInput,
  GenerationUsage,
  HostMessage,
  SamplingOptions,
} from "./protocol.js";

export type { LoadedModelStatus, LocalEngineOptions } from "./ModelResidency.js";

export type GenerateEvent =
  | { type: "started"; promptTokens: number; cachedTokens: number }
  | { type: "delta"; text: string }
  /** A piece of a tool call: the first piece of each call has its `id` and `name`. */
  | { type: "tool_call"; index: number; id?: string; name?: string; argumentsDelta: string }
  | {
      type: "done";
      text: string;
      finishReason: FinishReason;
      usage: GenerationUsage;
      /** The stop sequence that ended the generation, if one did. */
      stopSequence?: string;
      /** The tool calls the answer made, whole; `toolUse` says the model stopped for them. */
      toolCalls?: EngineToolCall[];
      toolUse?: boolean;
    };

/** Who a request is for and how it waits: its member's fair share, and its place in line. */
export interface EngineRequestOptions {
  /** Aborted when the client goes away: a waiting request leaves the queue, a running one stops. */
  signal: AbortSignal;
  /** The member's share of the sequences; absent: an equal share under an anonymous id. */
  share?: QueueShare;
  /** While waiting for a sequence: how many requests will be served first (see FairQueue). */
  onQueued?: (ahead: number) => void;
  /**
   * A conversation or agent session (Claude Code's `x-claude-code-session-id`): among sequences
   * that share as much of the prompt, the one that last served this session is preferred.
   */
  sessionKey?: string;
}

/**
 * The local models as a provider: requests to a model's sequences are admitted through its
 * `FairQueue` (fair between members), then generate, embed or count tokens in the engine host.
 * Loading, reloading, unloading and eviction are `ModelResidency`'s.
 */
export class LocalEngine extends ModelResidency {
  /**
   * Tokens each model was made to evaluate by generations since the core started (the sum of
   * `GenerationUsage.evaluatedTokens`): what requests cost the engine, aborted ones included.
   */
  readonly evaluatedTokens = new Map<string, number>();

  /**
   * Generates from a local model. Events end with exactly one `done` (also after an abort,
   * carrying the tokens generated so far) unless an error is thrown.
   */
  async *generate(
    modelId: string,
    input: GenerateInput,
    sampling: Omit<SamplingOptions, "maxTokens"> & { maxTokens?: number },
    opts: EngineRequestOptions,
  ): AsyncGenerator<GenerateEvent> {
    const { signal } = opts;
    const { r, release } = await this.admit(modelId, opts);
    const events = new AsyncQueue<HostMessage>();
    const req = this.opts.supervisor.request(
      {
        type: "generate",
        modelId,
        input,
        sampling,
        ...(opts.sessionKey !== undefined ? { sessionKey: opts.sessionKey } : {}),
      },
      (m) => {
        // Counted here, not where events are read: an abandoned request's are only drained.
        if (m.type === "done") {
          const evaluated = this.evaluatedTokens.get(modelId) ?? 0;
          this.evaluatedTokens.set(modelId, evaluated + (m.usage.evaluatedTokens ?? 0));
        }
        events.push(m);
        if (m.type === "done" || m.type === "error") events.end();
      },
    );
    const abort = () => this.opts.supervisor.notify({ type: "abort", id: req.id });
    signal.addEventListener("abort", abort, { once: true });
    let finished = false;
    try {
      for await (const m of events) {
        if (m.type === "error") throw EngineError.fromPayload(m.error);
        if (m.type === "started")
          yield { type: "started", promptTokens: m.promptTokens, cachedTokens: m.cachedTokens };
        else if (m.type === "delta") yield { type: "delta", text: m.text };
        else if (m.type === "tool_call")
          yield {
            type: "tool_call",
            index: m.index,
            ...(m.callId !== undefined ? { id: m.callId } : {}),
            ...(m.name !== undefined ? { name: m.name } : {}),
            argumentsDelta: m.argumentsDelta,
          };
        else if (m.type === "done") {
          finished = true;
          yield {
            type: "done",
            text: m.text,
            finishReason: m.finishReason,
            usage: m.usage,
            ...(m.stopSequence !== undefined ? { stopSequence: m.stopSequence } : {}),
            // A call cut short (length) or stopped (abort) is returned, but is not a tool stop.
            ...(m.toolCalls ? { toolCalls: m.toolCalls, toolUse: m.finishReason === "stop" } : {}),
          };
        }
      }
      finished = true;
    } finally {
      signal.removeEventListener("abort", abort);
      if (finished) {
        req.release();
        this.finish(r, release);
      } else {
        // The consumer stopped early: stop the generation, and keep the slot until the host
        // confirms, so the next request never finds the host without a free sequence.
        abort();
        void drain(events).finally(() => {
          req.release();
          this.finish(r, release);
        });
      }
    }
  }

  async embed(
    modelId: string,
    inputs: (string | number[])[],
    opts: EngineRequestOptions,
  ): Promise<{ vectors: number[][]; promptTokens: number }> {
    const { r, release } = await this.admit(modelId, opts);
    try {
      return await new Promise((resolve, reject) => {
        const req = this.opts.supervisor.request({ type: "embed", modelId, inputs }, (m) => {
          req.release();
          if (m.type === "embedded") resolve({ vectors: m.vectors, promptTokens: m.promptTokens });
          else if (m.type === "error") reject(EngineError.fromPayload(m.error));
          else reject(new EngineError("internal", `unexpected ${m.type} reply to embed`));
        });
      });
    } finally {
      this.finish(r, release);
    }
  }

  /**
   * Prompt tokens of `input` under the model's own chat template, counted by the engine host
   * without generating. Loads the model if needed; takes no sequence (nothing is evaluated).
   */
  async countTokens(modelId: string, input: GenerateInput): Promise<number> {
    const r = this.resident(await this.requireModel(modelId));
    // In flight while counting: neither the idle timer nor an eviction unloads it meanwhile.
    r.inFlight++;
    clearTimeout(r.idleTimer);
    try {
      await r.ready;
      return await new Promise<number>((resolve, reject) => {
        const req = this.opts.supervisor.request({ type: "tokenize", modelId, input }, (m) => {
          req.release();
          if (m.type === "tokenized") resolve(m.promptTokens);
          else if (m.type === "error") reject(EngineError.fromPayload(m.error));
          else reject(new EngineError("internal", `unexpected ${m.type} reply to tokenize`));
        });
      });
    } finally {
      r.inFlight--;
      r.lastUsedMs = Date.now();
      this.scheduleIdle(r);
    }
  }

  /** Resolves the model, loads it, and waits (fairly, per member) for one of its sequences. */
  private async admit(
    modelId: string,
    opts: EngineRequestOptions,
  ): Promise<{ r: Resident; release: () => void }> {
    const model = await this.requireModel(modelId);
    const r = this.resident(model);
    r.inFlight++;
    clearTimeout(r.idleTimer);
    try {
      await r.ready;
      const release = await r.slots.acquire(opts.share ?? DEFAULT_SHARE, {
        signal: opts.signal,
        onPosition: opts.onQueued,
      });
      return { r, release };
    } catch (err) {
      r.inFlight--;
      this.scheduleIdle(r);
      throw err;
    }
  }

  private finish(r: Resident, release: () => void): void {
    release();
    r.inFlight--;
    r.lastUsedMs = Date.now();
    this.scheduleIdle(r);
  }
}

async function drain(events: AsyncQueue<HostMessage>): Promise<void> {
  for await (const _ of events) {
    // discard
  }
}
