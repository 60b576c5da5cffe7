import type { z } from "zod";
import type { EngineGrammar } from "../../engine/protocol.js";
import { invalidRequest } from "../../gateway/errors.js";
import { jsonSchemaProblem } from "../../gateway/jsonSchemaCheck.js";
import type {
  ChatRequest,
  ContentPart,
  Conversation,
  ResponseFormatSpec,
  ToolCall,
  ToolChoice,
  ToolSpec,
  Turn,
} from "../../gateway/types.js";
import { imageSource } from "../openaiChatRequest.js";
import {
  FunctionCallItem,
  FunctionCallOutputItem,
  FunctionTool,
  MessageItem,
  type InputPart,
  type ResponsesBody,
} from "../schemas/responses.js";
import { toolCallText, toolsText } from "../textView.js";

/**
 * OpenAI Responses API requests → Benchtop's `ChatRequest`, the way anthropicRequest.ts does it
 * for Anthropic's: the neutral conversation that providers translate (OpenAI-compatible pools get
 * chat completions from it; `body` is left unset on purpose, as it is the *chat* body those
 * upstreams are forwarded) and the text-only view a local model reads.
 *
 * Everything is refused by name that would change the answer if it were dropped (built-in tools,
 * reasoning items, background mode, logprobs…); what can be honoured is; what changes nothing
 * here is accepted and listed in `ignored` (the route reports it in `x-benchtop-ignored`).
 */

/** One item of a conversation as stored for `previous_response_id`: input or output, normalised. */
export type HistoryItem = MessageItem | FunctionCallItem | FunctionCallOutputItem;

export interface ResponsesRequest {
  chat: ChatRequest;
  /** This request's own input items, normalised (a string input is one user message). */
  input: HistoryItem[];
  /** Parameters the client set that are accepted but have no effect here (docs/API.md). */
  ignored: string[];
}

/** Text parts of one message are joined with nothing, as OpenAI concatenates them. */
const PART_SEPARATOR = "";

const unsupported = (message: string, param: string, code = "unsupported_parameter") =>
  invalidRequest(message, param, code);

/**
 * `body` (validated) as a chat request, continuing `previous` (the stored items of the response
 * named by `previous_response_id`, oldest first; empty without one). `instructions` apply to this
 * request only, as in OpenAI's API: those of an earlier response are not carried over.
 */
export function toResponsesRequest(
  body: ResponsesBody,
  previous: HistoryItem[] = [],
): ResponsesRequest {
  refuseUnsupported(body);
  const input: HistoryItem[] =
    typeof body.input === "string"
      ? [{ type: "message", role: "user", content: body.input }]
      : body.input.map((item, i) => parseItem(item, `input[${i}]`));
  const tools = (body.tools ?? []).map(toolSpec);
  let unsupportedLocally: ChatRequest["unsupportedLocally"];

  const turns: Turn[] = [];
  const out: ChatRequest["messages"] = [];
  if (tools.length > 0) out.push({ role: "system", content: toolsText(tools) });
  if (body.instructions != null && body.instructions !== "") {
    turns.push({ role: "system", text: body.instructions });
    out.push({ role: "system", content: body.instructions });
  }
  const items = [...previous, ...input];
  const base = previous.length;
  items.forEach((item, k) => {
    // Items of earlier responses were checked when they were stored; a param names this input.
    const param = k >= base ? `input[${k - base}]` : "previous_response_id";
    if (item.type === "function_call") {
      const call: ToolCall = { id: item.call_id, name: item.name, arguments: item.arguments };
      const last = turns.at(-1);
      // Calls after an assistant message (or after each other) belong to that one turn.
      if (last?.role === "assistant") last.toolCalls.push(call);
      else turns.push({ role: "assistant", content: [], toolCalls: [call] });
      say(out, "assistant", toolCallText(call));
      return;
    }
    if (item.type === "function_call_output") {
      const content = contentParts(item.output, `${param}.output`);
      turns.push({ role: "tool", toolCallId: item.call_id, content, isError: false });
      say(out, "user", textOf(content));
      return;
    }
    const content = contentParts(item.content, `${param}.content`);
    const image = content.findIndex((p) => p.type === "image");
    if (image >= 0)
      unsupportedLocally ??= {
        message: "Image inputs are not supported by this model.",
        param: `${param}.content[${image}]`,
        code: "unsupported_content",
      };
    const text = textOf(content);
    switch (item.role) {
      case "system":
      case "developer":
        turns.push({ role: "system", text });
        out.push({ role: "system", content: text });
        return;
      case "user":
        turns.push({ role: "user", content });
        out.push({ role: "user", content: text });
        return;
      case "assistant":
        turns.push({ role: "assistant", content, toolCalls: [] });
        out.push({ role: "assistant", content: text });
    }
  });

  const conversation: Conversation = {
    turns,
    tools,
    ...(body.tool_choice != null ? { toolChoice: toolChoiceOf(body.tool_choice) } : {}),
    ...(body.parallel_tool_calls != null ? { parallelToolCalls: body.parallel_tool_calls } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
  };
  const format = body.text?.format;
  const responseFormat = format ? formatSpec(format) : undefined;
  if (responseFormat) conversation.responseFormat = responseFormat;
  return {
    chat: {
      model: body.model,
      stream: body.stream === true,
      messages: out,
      conversation,
      ...(unsupportedLocally ? { unsupportedLocally } : {}),
      sampling: {
        maxTokens: body.max_output_tokens ?? undefined,
        // A ceiling, as Anthropic's max_tokens: a local model with less room in its context
        // answers up to the context's end (status `incomplete`) rather than refusing.
        fitMaxTokens: true,
        // OpenAI's defaults.
        temperature: body.temperature ?? 1,
        topP: body.top_p ?? 1,
        stop: [],
        ...(responseFormat ? { grammar: grammarOf(responseFormat) } : {}),
      },
    },
    input,
    ignored: ignoredParams(body),
  };
}

/**
 * Appends a text-view message (what sizes the reservation); a tool call joins the assistant
 * message it follows, as in the chat completions view.
 */
function say(
  out: ChatRequest["messages"],
  role: ChatRequest["messages"][number]["role"],
  text: string,
) {
  const last = out.at(-1);
  if (role === "assistant" && last?.role === "assistant") last.content += text;
  else out.push({ role, content: text });
}

/**
 * Refuses, by name, what would change the answer and cannot be served here. Built-in tools and
 * unknown item types are refused where they are read (toolSpec, parseItem).
 */
function refuseUnsupported(body: ResponsesBody): void {
  const b = body as ResponsesBody & Record<string, unknown>;
  if (body.background === true)
    throw unsupported("Background responses (background: true) are not supported.", "background");
  if (b.conversation != null)
    throw unsupported(
      "The Conversations API is not supported; continue with previous_response_id instead.",
      "conversation",
    );
  if (b.prompt != null) throw unsupported("Prompt templates (prompt) are not supported.", "prompt");
  if (b.context_management != null)
    throw unsupported("context_management is not supported.", "context_management");
  if (body.truncation === "auto")
    throw unsupported(
      "truncation: 'auto' is not supported: the conversation is never shortened silently.",
      "truncation",
    );
  if ((body.top_logprobs ?? 0) > 0)
    throw unsupported("Log probabilities (top_logprobs) are not supported.", "top_logprobs");
  if (body.max_tool_calls != null)
    throw unsupported("max_tool_calls is not supported.", "max_tool_calls");
  (body.include ?? []).forEach((value, i) => {
    if (value === "message.output_text.logprobs")
      throw unsupported("Log probabilities are not supported.", `include[${i}]`);
  });
}

/**
 * Set parameters that are accepted and have no effect: `reasoning` (no model served here
 * produces reasoning items or takes an effort setting), `text.verbosity` (a hint only OpenAI's
 * own models read), `include` values other than logprobs (they ask for parts of items, such as
 * encrypted reasoning or built-in tool results, that never occur here) and `service_tier`.
 */
function ignoredParams(body: ResponsesBody): string[] {
  const out: string[] = [];
  const r = body.reasoning;
  if (r && (r.effort != null || r.summary != null || r.generate_summary != null))
    out.push("reasoning");
  if (body.text?.verbosity != null) out.push("text.verbosity");
  if ((body.include ?? []).length > 0) out.push("include");
  if (body.service_tier != null) out.push("service_tier");
  return out;
}

/** One input item, checked against its type's schema; unknown and unserved types are refused. */
function parseItem(raw: { type?: string } & Record<string, unknown>, param: string): HistoryItem {
  const type = raw.type ?? (raw.role !== undefined ? "message" : undefined);
  switch (type) {
    case "message":
      return { ...check(MessageItem, raw, param), type: "message" };
    case "function_call":
      return check(FunctionCallItem, raw, param);
    case "function_call_output":
      return check(FunctionCallOutputItem, raw, param);
    case "reasoning":
      throw unsupported(
        "Reasoning items are not supported: the models served here produce none. Leave them out of the input.",
        `${param}.type`,
        "unsupported_content",
      );
    case "item_reference":
      throw unsupported(
        "Item references are not supported; send the item itself, or use previous_response_id.",
        `${param}.type`,
        "unsupported_content",
      );
    case undefined:
      throw invalidRequest(
        `Missing required parameter: '${param}.type'.`,
        `${param}.type`,
        "missing_required_parameter",
      );
    default:
      throw unsupported(
        `Input items of type '${type}' are not supported; only messages, function_call and function_call_output are.`,
        `${param}.type`,
        "unsupported_content",
      );
  }
}

/** `schema.parse` with a 400 naming the offending field under `param` (`input[2].call_id`). */
function check<T extends z.ZodType>(schema: T, value: unknown, param: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  let path = param;
  for (const part of issue.path)
    path += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  throw invalidRequest(`Invalid value for '${path}': ${issue.message}`, path);
}

/** Message or tool-output content as neutral parts; files (and images by file id) are refused. */
function contentParts(content: string | InputPart[], param: string): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((p, j): ContentPart => {
    switch (p.type) {
      case "input_text":
      case "output_text":
        return { type: "text", text: p.text };
      case "refusal":
        return { type: "text", text: p.refusal };
      case "input_image":
        if (!p.image_url)
          throw unsupported(
            "Images by file id are not supported (there is no Files API here); send image_url.",
            `${param}[${j}].file_id`,
            "unsupported_content",
          );
        return { type: "image", source: imageSource(p.image_url) };
      case "input_file":
        throw unsupported(
          "File inputs are not supported.",
          `${param}[${j}].type`,
          "unsupported_content",
        );
    }
  });
}

function textOf(parts: ContentPart[]): string {
  return parts.map((p) => (p.type === "text" ? p.text : "")).join(PART_SEPARATOR);
}

function toolSpec(raw: { type?: string } & Record<string, unknown>, i: number): ToolSpec {
  // Built-in tools (web_search, file_search, computer_use, code_interpreter, image_generation,
  // mcp, local_shell, custom…) run at OpenAI or need what Benchtop does not have: refused.
  if (raw.type !== "function")
    throw unsupported(
      `Tools of type '${raw.type ?? ""}' are not supported; only function tools are.`,
      `tools[${i}].type`,
    );
  const t = check(FunctionTool, raw, `tools[${i}]`);
  return {
    name: t.name,
    ...(t.description != null ? { description: t.description } : {}),
    // OpenAI's default for a function without parameters: an object with no properties.
    parameters: t.parameters ?? { type: "object", properties: {} },
    ...(t.strict != null ? { strict: t.strict } : {}),
  };
}

function toolChoiceOf(choice: NonNullable<ResponsesBody["tool_choice"]>): ToolChoice {
  if (typeof choice === "string") return { type: choice };
  if (choice.type === "function" && choice.name) return { type: "tool", name: choice.name };
  throw unsupported(
    `tool_choice of type '${choice.type}' is not supported; use none, auto, required or a function.`,
    "tool_choice",
  );
}

function formatSpec(
  format: NonNullable<NonNullable<ResponsesBody["text"]>["format"]>,
): ResponseFormatSpec | undefined {
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const problem = jsonSchemaProblem(format.schema);
  if (problem)
    throw invalidRequest(`Invalid JSON schema: ${problem}`, "text.format", "invalid_json_schema");
  return {
    type: "json_schema",
    name: format.name,
    ...(format.description !== undefined ? { description: format.description } : {}),
    schema: format.schema,
    ...(format.strict != null ? { strict: format.strict } : {}),
  };
}

function grammarOf(f: ResponseFormatSpec): EngineGrammar {
  return f.type === "json_object" ? { type: "json" } : { type: "json_schema", schema: f.schema };
}
