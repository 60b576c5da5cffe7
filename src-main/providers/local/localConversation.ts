import type { EngineMessage, EngineToolChoice, GenerateInput } from "../../engine/protocol.js";
import { schemaLimitProblem, type NamedSchema } from "../../engine/schemaLimits.js";
import { ApiError } from "../../gateway/errors.js";
import type { ChatRequest, ContentPart, ToolChoice } from "../../gateway/types.js";
import { withoutPromptNoise } from "./promptNoise.js";

type ChatInput = Extract<GenerateInput, { kind: "chat" }>;

/**
 * What a local model reads of a chat request. A plain chat is its text messages. A conversation
 * with tools, tool calls or tool results goes to the engine whole: the tools as functions (or a
 * grammar-forced call for `required` / a named tool), earlier calls with their results. Images
 * are refused with a 400 before admission: no local model here reads them yet. Per-request noise
 * in system text (Claude Code's billing header) is dropped first, so a conversation's turns share
 * their prefix (promptNoise.ts); generation and count_tokens both read this.
 */
export function localChatInput(req: ChatRequest): ChatInput {
  const c = req.conversation;
  const usesTools =
    !!c && (c.tools.length > 0 || c.turns.some((t) => t.role === "tool" || hasCalls(t)));
  if (!c || !usesTools) return { kind: "chat", messages: withoutPromptNoise(req.messages) };
  const turns: EngineMessage[] = c.turns.map((t) => {
    switch (t.role) {
      case "system":
        return { role: "system", content: t.text };
      case "user":
        return { role: "user", content: textOf(t.content) };
      case "assistant":
        return {
          role: "assistant",
          content: textOf(t.content),
          ...(t.toolCalls.length > 0 ? { toolCalls: t.toolCalls } : {}),
        };
      case "tool":
        return {
          role: "tool",
          toolCallId: t.toolCallId,
          content: textOf(t.content),
          ...(t.isError ? { isError: true } : {}),
        };
    }
  });
  const messages = withoutPromptNoise(turns);
  const choice = c.toolChoice;
  // `none`: the tools are not offered (earlier calls still render with their results).
  if (choice?.type === "none" || c.tools.length === 0) return { kind: "chat", messages };
  return { kind: "chat", messages, tools: c.tools, toolChoice: engineChoice(choice) };
}

/**
 * Why a local model cannot take this request (as the 400 to answer), if it cannot: what the
 * request parser noted (images, an Anthropic assistant prefill), named by the client's own path;
 * or JSON schemas (response_format, the tools offered) beyond what a grammar may cost
 * (engine/schemaLimits.ts), refused before anything is admitted or compiled.
 */
export function localRefusal(req: ChatRequest): ApiError | undefined {
  const u = req.unsupportedLocally;
  if (u) return new ApiError(400, "invalid_request_error", u.message, u.code, u.param);
  const schemas: NamedSchema[] = [];
  const grammar = req.sampling.grammar;
  if (grammar?.type === "json_schema")
    schemas.push({ param: "response_format", schema: grammar.schema });
  // The tools as localChatInput offers them: all of them, unless tool_choice is `none`.
  const c = req.conversation;
  const tools = c && c.toolChoice?.type !== "none" ? c.tools : [];
  tools.forEach((t, i) => schemas.push({ param: `tools[${i}]`, schema: t.parameters }));
  const problem = schemaLimitProblem(schemas, tools.length);
  return problem
    ? new ApiError(400, "invalid_request_error", problem.message, "schema_too_large", problem.param)
    : undefined;
}

function engineChoice(choice: ToolChoice | undefined): EngineToolChoice {
  if (choice?.type === "tool") return { name: choice.name };
  return choice?.type === "required" ? "required" : "auto";
}

function textOf(parts: ContentPart[]): string {
  return parts.map((p) => (p.type === "text" ? p.text : "")).join("");
}

const hasCalls = (t: { role: string; toolCalls?: unknown[] }) =>
  t.role === "assistant" && (t.toolCalls?.length ?? 0) > 0;
