import type {
  ChatRequest,
  ContentPart,
  Conversation,
  ImageSource,
  ToolChoice,
  Turn,
} from "../gateway/types.js";
import type { ChatCompletionBody, ChatMessage } from "./schemas/openai.js";
import { toolCallText, toolsText } from "./textView.js";

/**
 * An OpenAI chat-completions body as Benchtop's `ChatRequest`: the neutral conversation (images,
 * tool calls and results, tools, tool_choice) that providers translate, and the text-only view
 * of a plain chat. What a local model cannot take (images) is noted in `unsupportedLocally`, not
 * refused here: a remote pool may serve it.
 */
export function openAiConversation(
  body: ChatCompletionBody,
): Pick<ChatRequest, "messages" | "unsupportedLocally" | "conversation"> {
  const tools = (body.tools ?? []).map((t) => ({
    name: t.function.name,
    ...(t.function.description !== undefined ? { description: t.function.description } : {}),
    // OpenAI's default for a function without parameters: an object with no properties.
    parameters: t.function.parameters ?? { type: "object", properties: {} },
  }));
  let unsupported: ChatRequest["unsupportedLocally"];
  const note = (message: string, param: string, code: string) =>
    (unsupported ??= { message, param, code });

  // Token probabilities: OpenAI-compatible pools pass them through; the local engine does not
  // report them yet, so a local model refuses rather than answer `logprobs: null` as if asked
  // for nothing.
  const { logprobs, top_logprobs: top } = body as { logprobs?: unknown; top_logprobs?: unknown };
  if (logprobs === true || (typeof top === "number" && top > 0))
    note(
      "logprobs are not available from local models; use a remote pool whose upstream reports them.",
      logprobs === true ? "logprobs" : "top_logprobs",
      "unsupported_parameter",
    );

  const turns: Turn[] = [];
  const out: ChatRequest["messages"] = [];
  if (tools.length > 0) out.push({ role: "system", content: toolsText(tools) });
  body.messages.forEach((m, i) => {
    const parts = toParts(m.content ?? "");
    const image = parts.findIndex((p) => p.type === "image");
    if (image >= 0)
      note(
        "Image inputs are not supported by this model.",
        `messages[${i}].content[${image}]`,
        "unsupported_content",
      );
    const text = parts.map((p) => (p.type === "text" ? p.text : "")).join("");
    switch (m.role) {
      case "system":
      case "developer":
        turns.push({ role: "system", text });
        out.push({ role: "system", content: text });
        return;
      case "user":
        turns.push({ role: "user", content: parts });
        out.push({ role: "user", content: text });
        return;
      case "assistant": {
        const toolCalls = (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          name: c.function.name,
          arguments: c.function.arguments,
        }));
        turns.push({ role: "assistant", content: parts, toolCalls });
        out.push({ role: "assistant", content: text + toolCalls.map(toolCallText).join("") });
        return;
      }
      case "tool":
        turns.push({ role: "tool", toolCallId: m.tool_call_id, content: parts, isError: false });
        out.push({ role: "user", content: text });
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
  return {
    messages: out,
    conversation,
    ...(unsupported ? { unsupportedLocally: unsupported } : {}),
  };
}

function toParts(content: NonNullable<ChatMessage["content"]>): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((p) =>
    p.type === "text"
      ? { type: "text", text: p.text }
      : { type: "image", source: imageSource(p.image_url.url) },
  );
}

/** `data:<type>;base64,<data>` URLs are inline images; anything else a URL the upstream fetches. */
export function imageSource(url: string): ImageSource {
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) return { kind: "base64", mediaType: inline[1]!, data: inline[2]! };
  return { kind: "url", url };
}

function toolChoiceOf(choice: NonNullable<ChatCompletionBody["tool_choice"]>): ToolChoice {
  if (typeof choice === "string") return { type: choice };
  return { type: "tool", name: choice.function.name };
}
