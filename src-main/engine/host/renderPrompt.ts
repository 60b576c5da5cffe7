import type { ChatHistoryItem, ChatModelFunctions, Token } from "node-llama-cpp";
import type { EngineTool, EngineToolChoice, GenerateInput } from "../protocol.js";
import { EngineError } from "../EngineError.js";
import type { ResidentModel } from "./ResidentModel.js";
import { tokenizeLlamaTextSliced, type SliceOptions } from "./slicedTokenize.js";
import { forcedInstructions, toFunctions, toHistory } from "./toolCalls.js";

/** A request's prompt as the model reads it. */
export interface RenderedPrompt {
  tokens: Token[];
  /** False when tokenizing stopped at `limit`: the prompt has more tokens than `tokens`. */
  complete: boolean;
  /** A chat's history and tools, as the generation is given them. */
  chat?: RenderedChat;
}

export interface RenderedChat {
  history: ChatHistoryItem[];
  /** How tools are offered, when the request has any. */
  tools?:
    | { mode: "auto"; functions: ChatModelFunctions }
    | { mode: "forced"; list: EngineTool[]; choice: Exclude<EngineToolChoice, "auto"> };
}

/**
 * The prompt tokens of `input` exactly as a generation evaluates them: chats rendered with the
 * model's own template (resolved from its GGUF metadata) and the tools documented as the
 * generation sees them; text tokenized as given. Tokenized in slices (slicedTokenize.ts), so a
 * huge prompt neither holds the engine host nor, past `opts.limit`, is tokenized to its end.
 */
export async function renderPrompt(
  resident: ResidentModel,
  input: GenerateInput,
  opts: SliceOptions = {},
): Promise<RenderedPrompt> {
  if (input.kind === "text") return resident.tokens(input.prompt, opts);
  const chat = renderChat(input);
  const { contextText } = resident.chatWrapper.generateContextState({
    chatHistory: chat.history,
    ...(chat.tools?.mode === "auto"
      ? { availableFunctions: chat.tools.functions, documentFunctionParams: true }
      : {}),
  });
  const tokenize = resident.model.tokenizer;
  return { ...(await tokenizeLlamaTextSliced(tokenize, contextText, opts)), chat };
}

/** Prompt tokens of `input`, all of them (`/v1/messages/count_tokens`); no sampling. */
export async function countPromptTokens(
  resident: ResidentModel,
  input: GenerateInput,
): Promise<number> {
  return (await renderPrompt(resident, input)).tokens.length;
}

function renderChat(input: Extract<GenerateInput, { kind: "chat" }>): RenderedChat {
  const list = input.tools && input.tools.length > 0 ? input.tools : undefined;
  const choice = input.toolChoice ?? "auto";
  if (list && typeof choice === "object" && !list.some((t) => t.name === choice.name))
    throw new EngineError(
      "invalid_input",
      `tool_choice names '${choice.name}', which is not one of the tools.`,
    );
  const tools: RenderedChat["tools"] = !list
    ? undefined
    : choice === "auto"
      ? { mode: "auto", functions: toFunctions(list) }
      : { mode: "forced", list, choice };
  const history = toHistory(
    input.messages,
    tools?.mode === "forced" ? forcedInstructions(list!, tools.choice) : undefined,
  );
  return { history, ...(tools ? { tools } : {}) };
}
