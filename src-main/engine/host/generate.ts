import {
  LlamaChat,
  LlamaCompletion,
  TokenMeter,
  type LlamaGrammar,
  type Token,
} from "node-llama-cpp";
import type { EngineToolCall, FinishReason, GenerationUsage, HostRequest } from "../protocol.js";
import { EngineError } from "../EngineError.js";
import { evaluatePrompt } from "./evaluatePrompt.js";
import type { ResidentModel } from "./ResidentModel.js";
import { renderPrompt } from "./renderPrompt.js";
import { forcedSchema, forcedTool, newCallId, parseForced } from "./toolCalls.js";

type GenerateRequest = Extract<HostRequest, { type: "generate" }>;

export interface GenerateCallbacks {
  started(promptTokens: number, cachedTokens: number): void;
  delta(text: string): void;
  /** A piece of a tool call (the first piece of each call carries its id and name). */
  toolCall(piece: { index: number; callId?: string; name?: string; argumentsDelta: string }): void;
}

export interface GenerateResult {
  text: string;
  finishReason: FinishReason;
  usage: GenerationUsage;
  /** The stop sequence (one of `sampling.stop`) that ended the generation, if one did. */
  stopSequence?: string;
  /** The tool calls the answer made, whole. */
  toolCalls?: EngineToolCall[];
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
  const contextSize = resident.info.contextSize;
  // Tokenizing stops past the context: such a prompt is refused whatever its length.
  const prompt = await renderPrompt(resident, req.input, { limit: contextSize, signal });
  const chat = prompt.chat;
  if (chat?.tools && req.sampling.grammar)
    throw new EngineError(
      "invalid_input",
      "response_format cannot be combined with tools on a local model.",
    );
  const promptTokens = prompt.tokens;
  if (signal.aborted) return abandoned(promptTokens.length);

  const room = contextSize - promptTokens.length;
  // A member's max_tokens limit lowers the request but, unlike the client's own value, is never
  // a reason to refuse it: without max_tokens the completion may still run to the context end.
  const cap = req.sampling.maxTokensCap;
  const asked = req.sampling.maxTokens ?? room;
  const maxTokens = cap === undefined ? asked : Math.min(asked, Math.max(1, cap));
  if (!prompt.complete || room <= 0)
    throw new EngineError(
      "context_length_exceeded",
      `This model's context is ${contextSize} tokens; the prompt alone has ${prompt.complete ? promptTokens.length : `more than ${contextSize}`}.`,
    );
  if (maxTokens > room)
    throw new EngineError(
      "context_length_exceeded",
      `This model's context is ${contextSize} tokens; the prompt has ${promptTokens.length}` +
        ` and ${maxTokens} more were requested for the completion.`,
    );
  const forced = chat?.tools?.mode === "forced" ? chat.tools : undefined;
  const grammarSpec = forced
    ? { type: "json_schema" as const, schema: forcedSchema(forced.list, forced.choice) }
    : req.sampling.grammar;
  const grammar: LlamaGrammar | undefined = grammarSpec
    ? await resident.grammarFor(grammarSpec)
    : undefined;
  // A forced call to one known tool streams its arguments as they are written; a choice among
  // several is only known once the JSON is complete.
  const forcedCallId = forced ? newCallId() : undefined;
  const streamForced = forced ? forcedTool(forced.list, forced.choice) : undefined;
  let forcedStarted = false;
  const autoCalls: EngineToolCall[] = [];

  const { sequence, cachedTokens } = resident.acquireSequence(promptTokens, req.sessionKey);
  const meterBefore = sequence.tokenMeter.getState();
  cb.started(promptTokens.length, cachedTokens);
  try {
    await evaluatePrompt(sequence, promptTokens, cachedTokens, signal, resident.context.batchSize);
  } catch (err) {
    resident.releaseSequence(sequence);
    throw err;
  }
  if (signal.aborted) {
    // Left before its prompt was read: nothing generated, and the rest of the prompt skipped.
    const used = TokenMeter.diff(sequence.tokenMeter.getState(), meterBefore);
    resident.releaseSequence(sequence);
    return abandoned(
      promptTokens.length,
      cachedTokens,
      used.usedInputTokens + used.usedOutputTokens,
    );
  }

  const sampling = {
    maxTokens,
    temperature: req.sampling.temperature,
    topP: req.sampling.topP,
    seed: req.sampling.seed,
    customStopTriggers: req.sampling.stop.length > 0 ? req.sampling.stop : undefined,
    signal,
    stopOnAbortSignal: true,
    onTextChunk: (text: string) => {
      if (text.length === 0) return;
      if (!forced) cb.delta(text);
      else if (streamForced) {
        cb.toolCall({
          index: 0,
          ...(forcedStarted ? {} : { callId: forcedCallId, name: streamForced.name }),
          argumentsDelta: text,
        });
        forcedStarted = true;
      }
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
        const auto = chat.tools?.mode === "auto" ? chat.tools : undefined;
        const res = auto
          ? await llamaChat.generateResponse(chat.history, {
              ...sampling,
              functions: auto.functions,
              documentFunctionParams: true,
              onFunctionCall: (call) => {
                const whole = {
                  id: newCallId(),
                  name: call.functionName,
                  arguments: JSON.stringify(call.params ?? {}),
                };
                cb.toolCall({
                  index: autoCalls.length,
                  callId: whole.id,
                  name: whole.name,
                  argumentsDelta: whole.arguments,
                });
                autoCalls.push(whole);
              },
            })
          : await llamaChat.generateResponse(chat.history, { ...sampling, grammar });
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
  let toolCalls: EngineToolCall[] | undefined = autoCalls.length > 0 ? autoCalls : undefined;
  if (forced && (text.length > 0 || finishReason !== "abort")) {
    const call = parseForced(text, forced.list, forced.choice, forcedCallId!);
    if (!streamForced)
      cb.toolCall({ index: 0, callId: call.id, name: call.name, argumentsDelta: call.arguments });
    else if (!forcedStarted)
      cb.toolCall({ index: 0, callId: call.id, name: call.name, argumentsDelta: "" });
    toolCalls = [call];
    text = "";
  }
  return {
    text,
    finishReason,
    usage: {
      promptTokens: promptTokens.length,
      cachedTokens,
      completionTokens: used.usedOutputTokens,
      evaluatedTokens: used.usedInputTokens + used.usedOutputTokens,
    },
    ...(stopSequence !== undefined ? { stopSequence } : {}),
    ...(toolCalls ? { toolCalls } : {}),
  };
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

/** The result of a request aborted before its generation began. */
function abandoned(promptTokens: number, cachedTokens = 0, evaluatedTokens = 0): GenerateResult {
  return {
    text: "",
    finishReason: "abort",
    usage: { promptTokens, cachedTokens, completionTokens: 0, evaluatedTokens },
  };
}
