import { randomBytes } from "node:crypto";
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions } from "node-llama-cpp";
import type { EngineMessage, EngineTool, EngineToolCall, EngineToolChoice } from "../protocol.js";
import { toGrammarSchema } from "../toolSchema.js";

/**
 * Tool calling on local models. `auto` uses node-llama-cpp's function calling (the chat
 * template's own call syntax, the model decides); `required` and a named tool are forced with a
 * JSON grammar, so the arguments always parse — which also makes them testable on a model with
 * random weights.
 */

/** `call_` + 24 base62 characters, like the ids OpenAI's API gives tool calls. */
export function newCallId(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return `call_${[...randomBytes(24)].map((b) => alphabet[b % 62]).join("")}`;
}

/**
 * The conversation as node-llama-cpp history: an assistant turn's tool calls become function
 * calls carrying the results the client sent back (matched by id), as the chat template renders
 * them. A result with no matching call is shown to the model as a user message.
 */
export function toHistory(messages: EngineMessage[], forcedTools?: string): ChatHistoryItem[] {
  const results = new Map<string, EngineMessage & { role: "tool" }>();
  for (const m of messages) if (m.role === "tool") results.set(m.toolCallId, m);
  const used = new Set<string>();
  const history: ChatHistoryItem[] = [];
  if (forcedTools) history.push({ type: "system", text: forcedTools });
  for (const m of messages) {
    if (m.role === "system" || m.role === "user") {
      history.push({ type: m.role, text: m.content });
    } else if (m.role === "assistant") {
      const response: (string | ChatModelFunctionCall)[] = m.content ? [m.content] : [];
      for (const call of m.toolCalls ?? []) {
        const result = results.get(call.id);
        if (result) used.add(call.id);
        response.push({
          type: "functionCall",
          name: call.name,
          params: parseOrText(call.arguments),
          result: result ? (result.isError ? `Error: ${result.content}` : result.content) : "",
        });
      }
      history.push({ type: "model", response });
    } else if (m.role === "tool" && !used.has(m.toolCallId)) {
      history.push({ type: "user", text: `Result of tool call ${m.toolCallId}:\n${m.content}` });
    }
  }
  history.push({ type: "model", response: [] });
  return history;
}

/** The tools as node-llama-cpp functions (auto mode), schemas cut to what its grammar enforces. */
export function toFunctions(tools: EngineTool[]): ChatModelFunctions {
  return Object.fromEntries(
    tools.map((t) => [
      t.name,
      {
        ...(t.description ? { description: t.description } : {}),
        params: toGrammarSchema(t.parameters) as never,
      },
    ]),
  );
}

/** What a forced call writes: the named tool's arguments, or `{name, arguments}` for any tool. */
export function forcedSchema(tools: EngineTool[], choice: EngineToolChoice): unknown {
  const named = forcedTool(tools, choice);
  if (named) return toGrammarSchema(named.parameters);
  return {
    oneOf: tools.map((t) => ({
      type: "object",
      properties: { name: { const: t.name }, arguments: toGrammarSchema(t.parameters) },
      required: ["name", "arguments"],
    })),
  };
}

/** The one tool a forced call goes to when there is only one possibility. */
export function forcedTool(tools: EngineTool[], choice: EngineToolChoice): EngineTool | undefined {
  if (typeof choice === "object") return tools.find((t) => t.name === choice.name);
  return tools.length === 1 ? tools[0] : undefined;
}

/** The system text that tells the model which tools exist and that it must call one now. */
export function forcedInstructions(tools: EngineTool[], choice: EngineToolChoice): string {
  const named = forcedTool(tools, choice);
  const list = tools
    .map(
      (t) => `- ${t.name}: ${t.description ?? ""}\n  parameters: ${JSON.stringify(t.parameters)}`,
    )
    .join("\n");
  return named
    ? `You call the tool "${named.name}" now. Answer with its arguments as one JSON object.\nTools:\n${list}`
    : `You call one of these tools now. Answer with {"name": <tool>, "arguments": {…}}.\nTools:\n${list}`;
}

/**
 * The call a forced generation wrote. Text cut short (max tokens) keeps what was written as the
 * arguments: the client sees `finish_reason: "length"` and the partial JSON, as from OpenAI.
 */
export function parseForced(
  text: string,
  tools: EngineTool[],
  choice: EngineToolChoice,
  id: string,
): EngineToolCall {
  const named = forcedTool(tools, choice);
  if (named) return { id, name: named.name, arguments: text.trim() };
  try {
    const v = JSON.parse(text) as { name?: unknown; arguments?: unknown };
    if (typeof v.name === "string")
      return { id, name: v.name, arguments: JSON.stringify(v.arguments ?? {}) };
  } catch {
    // Cut short: below.
  }
  const name = /"name"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? tools[0]?.name ?? "";
  return { id, name, arguments: text.trim() };
}

function parseOrText(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}
