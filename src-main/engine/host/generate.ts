import {
  LlamaChat,
  LlamaCompletion,
  TokenMeter,
  type ChatHistoryItem,
  type LlamaGrammar,
  type Token,
} from "node-llama-cpp";
import type { FinishReason, GenerateInput, GenerationUsage, HostRequest } from "../protocol.js";
import { EngineError } from "../EngineError.js";
import type { ResidentModel } from "./ResidentModel.js";

type GenerateRequest = Extract<HostRequest, { type: "generate" }>;

export interface GenerateCallbacks {
  started(promptTokens: number, cachedTokens: number): void;
  delta(text: string): void;
}

export interface GenerateResult {
  text: string;
  finishReason: FinishReason;
  usage: GenerationUsage;
  /** The stop sequence (one of `sampling.stop`) that ended the generation, if one did. */
  stopSequence?: string;
}

/**
 * Runs one generation on a free sequence of `resident`. Checks prompt + max tokens against
 * the per-sequence context first, so a request never silently shifts (forgets) its context.
 */
export async function generate(
  resident: ResidentModel,
  req: GenerateRequest,
  signal: AbortSignal,
  cb: GenerateCallbacks,
): Promise<GenerateResult> {
  const chat = req.input.kind === "chat" ? renderChat(resident, req.input.messages) : undefined;
  const promptTokens: Token[] = chat
    ? chat.tokens
    : resident.toTokens((req.input as Extract<GenerateInput, { kind: "text" }>).prompt);

  const contextSize = resident.info.contextSize;
  const room = contextSize - promptTokens.length;
  // A member's max_tokens limit lowers the request but, unlike the client's own value, is never
  // a reason to refuse it: without max_tokens the completion may still run to the context end.
  const cap = req.sampling.maxTokensCap;
  const asked = req.sampling.maxTokens ?? room;
  const maxTokens = cap === undefined ? asked : Math.min(asked, Math.max(1, cap));
  if (room <= 0 || maxTokens > room) {
    throw new EngineError(
      "context_length_exceeded",
      `This model's context is ${contextSize} tokens; the prompt has ${promptTokens.length}` +
        ` and ${maxTokens} more were requested for the completion.`,
    );
  }
  const grammar: LlamaGrammar | undefined = req.sampling.grammar
    ? await resident.grammarFor(req.sampling.grammar)
    : undefined;

  const { sequence, cachedTokens } = resident.acquireSequence(promptTokens);
  const meterBefore = sequence.tokenMeter.getState();
  cb.started(promptTokens.length, cachedTokens);

  const sampling = {
    maxTokens,
    temperature: req.sampling.temperature,
    topP: req.sampling.topP,
    seed: req.sampling.seed,
    customStopTriggers: req.sampling.stop.length > 0 ? req.sampling.stop : undefined,
    signal,
    stopOnAbortSignal: true,
    onTextChunk: (text: string) => {
      if (text.length > 0) cb.delta(text);
    },
  };

  let text = "";
  let stopReason: string;
  let stopTrigger: readonly (string | Token)[] | undefined;
  try {
    if (chat) {
      const llamaChat = new LlamaChat({
        contextSequence: sequence,
        chatWrapper: resident.chatWrapper,
        autoDisposeSequence: false,
      });
      try {
        const res = await llamaChat.generateResponse(chat.history, { ...sampling, grammar });
        text = res.response;
        stopReason = res.metadata.stopReason;
        if (res.metadata.stopReason === "customStopTrigger")
          stopTrigger = res.metadata.customStopTrigger;
      } finally {
        llamaChat.dispose({ disposeSequence: false });
      }
    } else {
      const completion = new LlamaCompletion({
        contextSequence: sequence,
        autoDisposeSequence: false,
      });
      try {
        const res = await completion.generateCompletionWithMeta(promptTokens, {
          ...sampling,
          grammar,
        });
        text = res.response;
        stopReason = res.metadata.stopReason;
        if (res.metadata.stopReason === "customStopTrigger")
          stopTrigger = res.metadata.customStopTrigger;
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    }
  } catch (err) {
    // An abort that lands before the first token throws instead of returning partial text.
    if (!signal.aborted) {
      resident.releaseSequence(sequence);
      throw err;
    }
    stopReason = "abort";
  }
  const used = TokenMeter.diff(sequence.tokenMeter.getState(), meterBefore);
  resident.releaseSequence(sequence);
  const finishReason = toFinishReason(stopReason, signal);
  const stopSequence =
    finishReason === "stop" ? matchedStop(stopTrigger, req.sampling.stop) : undefined;
  return {
    text,
    finishReason,
    usage: {
      promptTokens: promptTokens.length,
      cachedTokens,
      completionTokens: used.usedOutputTokens,
    },
    ...(stopSequence !== undefined ? { stopSequence } : {}),
  };
}

/**
 * Prompt tokens of `input` exactly as `generate` evaluates them (chats rendered with the model's
 * own template), without sampling: what `/v1/messages/count_tokens` answers.
 */
export function countPromptTokens(resident: ResidentModel, input: GenerateInput): number {
  return input.kind === "chat"
    ? renderChat(resident, input.messages).tokens.length
    : resident.toTokens(input.prompt).length;
}

/**
 * Which of the request's stop sequences a `customStopTrigger` stop was: node-llama-cpp reports
 * the trigger as given (a string trigger comes back as its text).
 */
function matchedStop(
  trigger: readonly (string | Token)[] | undefined,
  stops: readonly string[],
): string | undefined {
  if (!trigger) return undefined;
  const text = trigger.filter((t): t is string => typeof t === "string").join("");
  return stops.find((s) => s === text) ?? (text.length > 0 ? text : undefined);
}

function toFinishReason(stopReason: string, signal: AbortSignal): FinishReason {
  if (stopReason === "abort" || signal.aborted) return "abort";
  if (stopReason === "maxTokens") return "length";
  return "stop";
}

interface RenderedChat {
  history: ChatHistoryItem[];
  tokens: Token[];
}

/** Renders messages with the model's chat template (resolved from its GGUF metadata). */
function renderChat(resident: ResidentModel, messages: GenerateRequestMessages): RenderedChat {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === "assistant"
      ? { type: "model", response: [m.content] }
      : { type: m.role, text: m.content },
  );
  history.push({ type: "model", response: [] });
  const { contextText } = resident.chatWrapper.generateContextState({ chatHistory: history });
  return { history, tokens: contextText.tokenize(resident.model.tokenizer) };
}

type GenerateRequestMessages = Extract<GenerateInput, { kind: "chat" }>["messages"];
