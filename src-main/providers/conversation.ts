import type { ChatRequest, ContentPart, Conversation, Turn } from "../gateway/types.js";

/**
 * The neutral conversation of a request: the one its API route parsed, or, for callers that
 * build text-only requests (no `conversation`), its plain messages as text turns.
 */
export function conversationOf(req: ChatRequest): Conversation {
  if (req.conversation) return req.conversation;
  const turns = req.messages.map((m): Turn => {
    const content: ContentPart[] = [{ type: "text", text: m.content }];
    if (m.role === "system") return { role: "system", text: m.content };
    if (m.role === "user") return { role: "user", content };
    return { role: "assistant", content, toolCalls: [] };
  });
  return { turns, tools: [] };
}

/** The text parts of some content, joined with `separator`; images are left out. */
export function textOf(parts: ContentPart[], separator = "\n\n"): string {
  return parts
    .filter((p): p is ContentPart & { type: "text" } => p.type === "text")
    .map((p) => p.text)
    .join(separator);
}

/**
 * Tool calls streamed as `tool_call` events, assembled: `start` for a call's first piece (its
 * id and name), `append` for argument fragments. Keeps the order the calls started in.
 */
export class ToolCallAssembly {
  readonly calls: { id: string; name: string; arguments: string }[] = [];

  start(id: string, name: string, args = ""): number {
    this.calls.push({ id, name, arguments: args });
    return this.calls.length - 1;
  }

  append(index: number, fragment: string): void {
    const call = this.calls[index];
    if (call) call.arguments += fragment;
  }
}

/**
 * A tool call's JSON arguments as an Anthropic `tool_use` block's `input`: `{}` when empty (a
 * call without arguments) or not JSON (a call cut short by max_tokens).
 */
export function toolInput(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}
