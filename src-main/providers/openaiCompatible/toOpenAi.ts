import type {
  ChatRequest,
  ContentPart,
  ResponseFormatSpec,
  ToolChoice,
  ToolSpec,
  Turn,
} from "../../gateway/types.js";
import { conversationOf, textOf } from "../conversation.js";

type Json = Record<string, unknown>;

/**
 * What an OpenAI-compatible upstream is sent (before the model, streaming and the member's
 * max_tokens cap are applied). A request that came in as OpenAI's (`body`) is forwarded as the
 * client sent it: parameters Benchtop does not interpret (response_format, logprobs, seed,
 * image `detail`…) pass through. Any other (Anthropic's Messages API) is translated from the
 * neutral conversation: messages, tools, tool_choice, parallel_tool_calls, sampling, stop, and
 * (the Responses API's `text.format`) response_format.
 */
export function openAiBody(req: ChatRequest): Json {
  if (req.body) return { ...req.body };
  const conv = conversationOf(req);
  const s = req.sampling;
  const hasTools = conv.tools.length > 0;
  return {
    messages: openAiMessages(conv.turns),
    ...(s.maxTokens !== undefined ? { max_tokens: s.maxTokens } : {}),
    ...(conv.temperature !== undefined ? { temperature: conv.temperature } : {}),
    ...(conv.topP !== undefined ? { top_p: conv.topP } : {}),
    ...(s.stop.length > 0 ? { stop: s.stop } : {}),
    ...(hasTools ? { tools: conv.tools.map(openAiTool) } : {}),
    ...(hasTools && conv.toolChoice ? { tool_choice: openAiToolChoice(conv.toolChoice) } : {}),
    // OpenAI accepts parallel_tool_calls only beside tools.
    ...(hasTools && conv.parallelToolCalls === false ? { parallel_tool_calls: false } : {}),
    ...(conv.responseFormat ? { response_format: openAiResponseFormat(conv.responseFormat) } : {}),
  };
}

function openAiResponseFormat(f: ResponseFormatSpec): Json {
  if (f.type === "json_object") return { type: "json_object" };
  const { type, ...jsonSchema } = f;
  return { type, json_schema: jsonSchema };
}

/**
 * Neutral turns → OpenAI chat messages. Tool results become `tool` messages (a failed tool's
 * result is prefixed `Error: `: OpenAI has no is_error); images a tool returned, which `tool`
 * messages cannot carry, follow the run of tool messages as one user message.
 */
export function openAiMessages(turns: Turn[]): Json[] {
  const out: Json[] = [];
  let toolImages: ContentPart[] = [];
  const flushImages = () => {
    if (toolImages.length > 0) out.push({ role: "user", content: toolImages.map(openAiPart) });
    toolImages = [];
  };
  for (const turn of turns) {
    if (turn.role !== "tool") flushImages();
    switch (turn.role) {
      case "system":
        out.push({ role: "system", content: turn.text });
        break;
      case "user":
        out.push({ role: "user", content: userContent(turn.content) });
        break;
      case "assistant": {
        const text = textOf(turn.content, "");
        const calls = turn.toolCalls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: c.arguments },
        }));
        out.push({
          role: "assistant",
          // OpenAI's content of a turn that is only tool calls is null.
          content: text === "" && calls.length > 0 ? null : text,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        });
        break;
      }
      case "tool": {
        const text = textOf(turn.content);
        toolImages.push(...turn.content.filter((p) => p.type === "image"));
        out.push({
          role: "tool",
          tool_call_id: turn.toolCallId,
          content: turn.isError ? `Error: ${text}` : text,
        });
      }
    }
  }
  flushImages();
  return out;
}

/** One text part is a plain string (as most clients send it); anything else a parts array. */
function userContent(parts: ContentPart[]): string | Json[] {
  const only = parts[0];
  if (parts.length === 1 && only?.type === "text") return only.text;
  return parts.map(openAiPart);
}

function openAiPart(p: ContentPart): Json {
  if (p.type === "text") return { type: "text", text: p.text };
  const url =
    p.source.kind === "base64"
      ? `data:${p.source.mediaType};base64,${p.source.data}`
      : p.source.url;
  return { type: "image_url", image_url: { url } };
}

function openAiTool(t: ToolSpec): Json {
  return {
    type: "function",
    function: {
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      parameters: t.parameters,
      ...(t.strict !== undefined ? { strict: t.strict } : {}),
    },
  };
}

function openAiToolChoice(c: ToolChoice): unknown {
  return c.type === "tool" ? { type: "function", function: { name: c.name } } : c.type;
}
