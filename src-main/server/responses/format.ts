import type { FinishReason, GenerationUsage } from "../../engine/protocol.js";
import type { ToolCall, ToolChoice, ToolSpec } from "../../gateway/types.js";
import type { ResponsesBody } from "../schemas/responses.js";

/**
 * Benchtop's answers → OpenAI Responses API shapes: the `response` object, its output items
 * (one assistant `message` with an `output_text` part, then one `function_call` per tool call)
 * and usage. Shared by the streamed and non-streamed paths and by stored responses.
 */

/** `resp_` + the request id's random part, so logs and responses correlate. */
export function responseObjectId(requestId: string): string {
  return `resp_${requestId.replace(/^req_/, "")}`;
}

/** The id of output item `index` of a response: `msg_…` for the message, `fc_…` for calls. */
export function itemId(kind: "msg" | "fc", responseId: string, index: number): string {
  return `${kind}_${responseId.replace(/^resp_/, "")}${index === 0 ? "" : `_${index}`}`;
}

export type Status = "in_progress" | "completed" | "incomplete" | "failed";

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface MessageOutput {
  id: string;
  type: "message";
  status: "in_progress" | "completed" | "incomplete";
  role: "assistant";
  content: OutputText[];
}

export interface FunctionCallOutput {
  id: string;
  type: "function_call";
  status: "in_progress" | "completed" | "incomplete";
  call_id: string;
  name: string;
  arguments: string;
}

export type OutputItem = MessageOutput | FunctionCallOutput;

export const outputText = (text: string): OutputText => ({
  type: "output_text",
  text,
  annotations: [],
  logprobs: [],
});

/** What the response object echoes of the request, fixed when it is created. */
export interface ResponseEcho {
  id: string;
  createdAt: number;
  model: string;
  body: ResponsesBody;
  tools: ToolSpec[];
  toolChoice: ToolChoice | undefined;
}

/**
 * The Responses API's usage: `input_tokens` includes the cached ones (as OpenAI counts them);
 * no model served here reports reasoning tokens, so they are 0.
 */
export function responseUsage(u: GenerationUsage) {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

/** A finished generation's status: cut at max_output_tokens (or the context's end) → incomplete. */
export function finishStatus(reason: FinishReason): {
  status: "completed" | "incomplete";
  incomplete_details: { reason: "max_output_tokens" } | null;
} {
  return reason === "length"
    ? { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }
    : { status: "completed", incomplete_details: null };
}

/** The output of a finished answer: its message (unless empty beside calls), then its calls. */
export function outputItems(
  responseId: string,
  text: string,
  calls: ToolCall[],
  status: "completed" | "incomplete",
): OutputItem[] {
  const items: OutputItem[] = [];
  if (text !== "" || calls.length === 0)
    items.push({
      id: itemId("msg", responseId, 0),
      type: "message",
      status,
      role: "assistant",
      content: [outputText(text)],
    });
  calls.forEach((c, i) =>
    items.push({
      id: itemId("fc", responseId, i),
      type: "function_call",
      status: "completed",
      call_id: c.id,
      name: c.name,
      arguments: c.arguments,
    }),
  );
  return items;
}

/**
 * The `response` object. `output_text` (the SDKs' convenience) is the text of its messages. A
 * response in progress has no usage yet (null).
 */
export function responseObject(
  echo: ResponseEcho,
  state: {
    status: Status;
    output: OutputItem[];
    usage: GenerationUsage | null;
    incompleteDetails?: { reason: string } | null;
    error?: { code: string; message: string } | null;
  },
) {
  const b = echo.body;
  return {
    id: echo.id,
    object: "response" as const,
    created_at: echo.createdAt,
    status: state.status,
    ...(state.status === "completed" || state.status === "incomplete"
      ? { completed_at: Math.floor(Date.now() / 1000) }
      : {}),
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    model: echo.model,
    output: state.output,
    output_text: state.output
      .flatMap((item) => (item.type === "message" ? item.content.map((c) => c.text) : []))
      .join(""),
    parallel_tool_calls: b.parallel_tool_calls ?? true,
    previous_response_id: b.previous_response_id ?? null,
    prompt_cache_key: b.prompt_cache_key ?? null,
    reasoning: { effort: null, summary: null },
    store: b.store ?? true,
    temperature: b.temperature ?? 1,
    text: { format: b.text?.format ?? { type: "text" }, verbosity: "medium" },
    tool_choice: toolChoiceBody(echo.toolChoice),
    tools: echo.tools.map((t) => ({
      type: "function" as const,
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters,
      strict: t.strict ?? null,
    })),
    top_p: b.top_p ?? 1,
    truncation: "disabled" as const,
    usage: state.usage ? responseUsage(state.usage) : null,
    user: b.user ?? null,
    metadata: b.metadata ?? {},
  };
}

export type ResponseObject = ReturnType<typeof responseObject>;

function toolChoiceBody(choice: ToolChoice | undefined) {
  if (!choice) return "auto";
  return choice.type === "tool" ? { type: "function", name: choice.name } : choice.type;
}
