import { invalidRequest } from "../gateway/errors.js";
import type {
  ChatRequest,
  ContentPart,
  Conversation,
  ImageSource,
  ToolCall,
  ToolChoice,
  ToolSpec,
  Turn,
} from "../gateway/types.js";
import {
  isDroppedBlock,
  type ContentBlock,
  type CountTokensBody,
  type MessagesBody,
  type Tool,
  type ToolChoiceParam,
} from "./schemas/anthropic.js";
import { toolCallText, toolsText } from "./textView.js";

/**
 * Anthropic Messages API requests → Benchtop's `ChatRequest`: the neutral conversation that
 * providers translate (images, tool_use and tool_result blocks, tools, tool_choice), and the
 * text-only view of a plain chat. What a local model cannot take (images, a prefill) is noted in
 * `unsupportedLocally` (refused with 400 before admission when the model is local); block types
 * no upstream is given (documents, server tool results) are refused here, never dropped.
 */

const NON_TEXT = new Set(["image", "tool_use", "tool_result"]);

/** Text blocks of one message or system prompt are joined with a blank line. */
const BLOCK_SEPARATOR = "\n\n";

export function toChatRequest(body: MessagesBody): ChatRequest {
  const stop = (body.stop_sequences ?? []).filter((s) => s.length > 0);
  const input = toInput(body);
  return {
    model: body.model,
    stream: body.stream === true,
    ...input,
    conversation: {
      ...input.conversation,
      ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
      ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    },
    sampling: {
      maxTokens: body.max_tokens,
      fitMaxTokens: true,
      // Anthropic's defaults.
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      stop,
    },
  };
}

/** The input of a count_tokens request, as the `ChatRequest` a generation of it would be. */
export function toCountRequest(body: CountTokensBody): ChatRequest {
  return { model: body.model, ...toInput(body), sampling: { temperature: 1, topP: 1, stop: [] } };
}

type Input = Required<Pick<ChatRequest, "messages" | "conversation">> &
  Pick<ChatRequest, "unsupportedLocally">;

function toInput(body: CountTokensBody): Input {
  const tools = (body.tools ?? []).map(toolSpec);
  let unsupported: ChatRequest["unsupportedLocally"];
  const note = (message: string, param: string) =>
    (unsupported ??= { message, param, code: "unsupported_content" });

  const turns: Turn[] = [];
  const out: ChatRequest["messages"] = [];
  const say = (role: ChatRequest["messages"][number]["role"], text: string) => {
    const last = out.at(-1);
    // Consecutive turns of one role are one turn, as Anthropic combines them.
    if (last && last.role === role) last.content += BLOCK_SEPARATOR + text;
    else out.push({ role, content: text });
  };
  if (tools.length > 0) say("system", toolsText(tools));
  if (body.system !== undefined) {
    const system =
      typeof body.system === "string"
        ? body.system
        : body.system.map((b) => b.text).join(BLOCK_SEPARATOR);
    turns.push({ role: "system", text: system });
    say("system", system);
  }
  body.messages.forEach((m, i) => {
    if (typeof m.content === "string") {
      if (m.role === "system") turns.push({ role: "system", text: m.content });
      else push(turns, m.role, [{ type: "text", text: m.content }]);
      say(m.role, m.content);
      return;
    }
    const texts: string[] = [];
    const parts: ContentPart[] = [];
    const calls: ToolCall[] = [];
    m.content.forEach((block, j) => {
      const param = `messages[${i}].content[${j}]`;
      // Images and tool results come from the user, tool calls from the assistant.
      const from = block.type === "tool_use" ? "assistant" : "user";
      if (NON_TEXT.has(block.type) && m.role !== from)
        throw invalidRequest(`A ${block.type} block belongs in a ${from} message.`, param);
      if (block.type === "text") {
        texts.push(block.text);
        parts.push({ type: "text", text: block.text });
      } else if (block.type === "image") {
        note("Image content blocks are not supported by this model yet.", param);
        parts.push({ type: "image", source: imageSource(block.source) });
      } else if (block.type === "tool_use") {
        // Tool input is a JSON object; the neutral form carries it as the JSON text.
        const call = {
          id: block.id,
          name: block.name,
          arguments: JSON.stringify(block.input ?? {}),
        };
        calls.push(call);
        texts.push(toolCallText(call));
      } else if (block.type === "tool_result") {
        // Results end the user turn so far: OpenAI's tool messages stand between turns.
        flushUser(turns, parts);
        const content = resultContent(block.content);
        turns.push({
          role: "tool",
          toolCallId: block.tool_use_id,
          content,
          isError: block.is_error === true,
        });
        for (const p of content) if (p.type === "text") texts.push(p.text);
      } else if (!isDroppedBlock(block)) throw unsupportedBlock(block.type, param);
    });
    if (m.role === "system") turns.push({ role: "system", text: texts.join(BLOCK_SEPARATOR) });
    else if (m.role === "assistant") push(turns, "assistant", parts, calls);
    else flushUser(turns, parts);
    say(m.role, texts.join(BLOCK_SEPARATOR));
  });
  if (out.at(-1)?.role === "assistant")
    unsupported ??= {
      message:
        "Prefilling the response (a last message with the assistant role) is not supported by this model yet.",
      param: `messages[${body.messages.length - 1}]`,
      code: "unsupported_prefill",
    };
  const conversation: Conversation = {
    turns,
    tools,
    ...toolChoiceOf(body.tool_choice),
  };
  return {
    messages: out,
    conversation,
    ...(unsupported ? { unsupportedLocally: unsupported } : {}),
  };
}

/** Appends a user or assistant turn, combined with the previous one of the same role. */
function push(
  turns: Turn[],
  role: "user" | "assistant",
  content: ContentPart[],
  calls: ToolCall[] = [],
) {
  const last = turns.at(-1);
  if (last?.role === role) {
    last.content.push(...content);
    if (last.role === "assistant") last.toolCalls.push(...calls);
  } else if (role === "user") turns.push({ role, content });
  else turns.push({ role, content, toolCalls: calls });
}

/** The user content gathered so far (if any) as a turn; `parts` is emptied. */
function flushUser(turns: Turn[], parts: ContentPart[]) {
  if (parts.length > 0) push(turns, "user", parts.splice(0));
}

function resultContent(
  content: (ContentBlock & { type: "tool_result" })["content"],
): ContentPart[] {
  if (content === undefined) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((b) =>
    b.type === "text"
      ? { type: "text", text: b.text }
      : { type: "image", source: imageSource(b.source) },
  );
}

function imageSource(source: (ContentBlock & { type: "image" })["source"]): ImageSource {
  return source.type === "base64"
    ? { kind: "base64", mediaType: source.media_type, data: source.data }
    : { kind: "url", url: source.url };
}

function toolSpec(tool: Tool, i: number): ToolSpec {
  // Anthropic's server tools (web search, code execution, computer use…) run at Anthropic
  // and have no counterpart elsewhere: refused rather than dropped.
  if (tool.type !== undefined && tool.type !== "custom")
    throw invalidRequest(
      `Tools of type '${tool.type}' are not supported; only client tools (custom) are.`,
      `tools[${i}].type`,
      "unsupported_parameter",
    );
  return {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    parameters: tool.input_schema ?? { type: "object", properties: {} },
  };
}

function toolChoiceOf(
  choice: ToolChoiceParam | undefined,
): Pick<Conversation, "toolChoice" | "parallelToolCalls"> {
  if (!choice) return {};
  const toolChoice: ToolChoice =
    choice.type === "tool"
      ? { type: "tool", name: choice.name }
      : { type: choice.type === "any" ? "required" : choice.type };
  const single = "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true;
  return { toolChoice, ...(single ? { parallelToolCalls: false } : {}) };
}

function unsupportedBlock(type: string, param: string) {
  return invalidRequest(
    `Content blocks of type '${type}' are not supported by this model yet.`,
    param,
    "unsupported_content",
  );
}
