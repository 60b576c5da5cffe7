import type { ToolCall, ToolSpec } from "../gateway/types.js";

/**
 * Text renderings of tool definitions and tool calls for a request's text-only view
 * (`ChatRequest.messages`). A request that has them is generated from its conversation (by the
 * local engine's function calling or a remote upstream), never from these texts: they only make
 * the prompt's byte bound, which sizes the reservation, count what the model will read. Images add nothing to it (their token cost is known only
 * from the upstream's usage, which settlement uses).
 */
export const toolsText = (tools: ToolSpec[]) => JSON.stringify(tools);

export const toolCallText = (call: ToolCall) =>
  JSON.stringify({ tool_call: call.name, arguments: call.arguments });
