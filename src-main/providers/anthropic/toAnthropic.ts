import type Anthropic from "@anthropic-ai/sdk";
import type { ContentPart, Conversation, ToolCall, Turn } from "../../gateway/types.js";
import { toolInput } from "../conversation.js";

type Block = Anthropic.ContentBlockParam;
type Message = Anthropic.MessageParam;

/**
 * A neutral conversation → the Messages API's `system`, `messages`, `tools` and `tool_choice`.
 * System turns are joined into `system` (a blank line between them); tool results become
 * `tool_result` blocks of the user turn that follows the tool calls (consecutive user turns and
 * tool results are one user message, as Anthropic requires all results of one assistant turn
 * in the next user message); OpenAI's image URLs become `base64` or `url` image sources.
 */
export function anthropicInput(conv: Conversation): {
  system?: string;
  messages: Message[];
  tools?: Anthropic.Tool[];
  tool_choice?: Anthropic.ToolChoice;
} {
  const system = conv.turns
    .filter((t): t is Turn & { role: "system" } => t.role === "system")
    .map((t) => t.text)
    .join("\n\n");
  const messages: Message[] = [];
  for (const turn of conv.turns) {
    if (turn.role === "system") continue;
    const role = turn.role === "assistant" ? "assistant" : "user";
    const blocks = turn.role === "tool" ? [toolResult(turn)] : turnBlocks(turn);
    const last = messages.at(-1);
    if (last && last.role === role) last.content = [...asBlocks(last.content), ...blocks];
    else messages.push({ role, content: blocks });
  }
  // One text block alone is sent as a plain string, as most clients write it.
  for (const m of messages) {
    const only = m.content[0];
    if (m.content.length === 1 && typeof only === "object" && only.type === "text")
      m.content = only.text;
  }
  const hasTools = conv.tools.length > 0;
  return {
    ...(system ? { system } : {}),
    messages,
    ...(hasTools
      ? {
          tools: conv.tools.map((t) => ({
            name: t.name,
            ...(t.description !== undefined ? { description: t.description } : {}),
            input_schema: t.parameters as Anthropic.Tool.InputSchema,
          })),
        }
      : {}),
    ...(hasTools ? toolChoice(conv) : {}),
  };
}

function asBlocks(content: Message["content"]): Block[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function turnBlocks(turn: Turn & { role: "user" | "assistant" }): Block[] {
  // Anthropic refuses empty text blocks (OpenAI clients send `content: ""` beside tool calls).
  const parts = turn.content.filter((p) => p.type !== "text" || p.text !== "");
  const blocks: Block[] = parts.map(partBlock);
  if (turn.role === "assistant") blocks.push(...turn.toolCalls.map(toolUse));
  return blocks.length > 0 ? blocks : [{ type: "text", text: "" }];
}

function partBlock(p: ContentPart): Anthropic.TextBlockParam | Anthropic.ImageBlockParam {
  if (p.type === "text") return { type: "text", text: p.text };
  return {
    type: "image",
    source:
      p.source.kind === "base64"
        ? {
            type: "base64",
            media_type: p.source.mediaType as Anthropic.Base64ImageSource["media_type"],
            data: p.source.data,
          }
        : { type: "url", url: p.source.url },
  };
}

function toolUse(c: ToolCall): Anthropic.ToolUseBlockParam {
  return { type: "tool_use", id: c.id, name: c.name, input: toolInput(c.arguments) };
}

function toolResult(turn: Turn & { role: "tool" }): Anthropic.ToolResultBlockParam {
  const parts = turn.content.filter((p) => p.type !== "text" || p.text !== "");
  const only = parts[0];
  return {
    type: "tool_result",
    tool_use_id: turn.toolCallId,
    content:
      parts.length === 0
        ? ""
        : parts.length === 1 && only?.type === "text"
          ? only.text
          : parts.map(partBlock),
    ...(turn.isError ? { is_error: true } : {}),
  };
}

/** auto/none/required/a named tool → auto/none/any/tool; one call at most when asked. */
function toolChoice(conv: Conversation): { tool_choice?: Anthropic.ToolChoice } {
  const single = conv.parallelToolCalls === false;
  const c = conv.toolChoice;
  if (!c) return single ? { tool_choice: { type: "auto", disable_parallel_tool_use: true } } : {};
  const parallel = single ? { disable_parallel_tool_use: true } : {};
  switch (c.type) {
    case "none":
      return { tool_choice: { type: "none" } };
    case "auto":
      return { tool_choice: { type: "auto", ...parallel } };
    case "required":
      return { tool_choice: { type: "any", ...parallel } };
    case "tool":
      return { tool_choice: { type: "tool", name: c.name, ...parallel } };
  }
}
