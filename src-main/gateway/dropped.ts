import type { ChatRequest } from "./types.js";

/**
 * What a request loses when it crosses API families: the names of the client's parameters and
 * features its target could not be given, for the `x-benchtop-dropped` response header. Same
 * family loses nothing: an Anthropic request to an Anthropic upstream is sent as the client wrote
 * it (`anthropicBody`), an OpenAI request to an OpenAI-compatible upstream too (`body`).
 *
 * Names are the client's own: top-level body fields (`thinking`, `top_k`, `metadata`,
 * `logprobs`, an unknown future field…), `cache_control` when any system block, tool or message
 * block carries one, `thinking` for earlier turns' thinking blocks, and the `anthropic-beta`
 * header. Sorted, each once. Fields of nested objects other than `cache_control` (an image's
 * `detail`, a message's `name`) are not listed.
 */

/** Messages body fields the neutral conversation carries to any target. */
const ANTHROPIC_TRANSLATED = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "temperature",
  "top_p",
  "stop_sequences",
  "stream",
  "tools",
  "tool_choice",
]);

/**
 * Chat completions fields the Anthropic adapter translates (`user` becomes
 * `metadata.user_id`; `n` can only be 1; `stream_options` is Benchtop's own business).
 */
const OPENAI_TRANSLATED = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stop",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "n",
  "user",
]);

/** What an Anthropic request loses on an OpenAI-compatible upstream or a local model. */
export function droppedFromAnthropic(req: ChatRequest): string[] {
  const body = req.anthropicBody;
  if (!body) return [];
  const out = new Set<string>();
  for (const [key, value] of Object.entries(body))
    if (!ANTHROPIC_TRANSLATED.has(key) && value !== undefined) out.add(key);
  const blocks = [
    ...(Array.isArray(body.system) ? body.system : []),
    ...(Array.isArray(body.tools) ? body.tools : []),
  ];
  if (Array.isArray(body.messages))
    for (const m of body.messages) {
      const content = (m as { content?: unknown }).content;
      if (Array.isArray(content)) blocks.push(...content);
      if (isObject(m) && "cache_control" in m) out.add("cache_control");
    }
  for (const b of blocks) {
    if (!isObject(b)) continue;
    if (b.cache_control != null) out.add("cache_control");
    if (b.type === "thinking" || b.type === "redacted_thinking") out.add("thinking");
    // A tool result's own blocks may be marked too.
    if (Array.isArray(b.content))
      for (const inner of b.content)
        if (isObject(inner) && inner.cache_control != null) out.add("cache_control");
  }
  if (req.anthropicHeaders?.beta) out.add("anthropic-beta");
  return [...out].sort();
}

/** What an OpenAI request loses on an Anthropic upstream. */
export function droppedFromOpenAi(req: ChatRequest): string[] {
  const body = req.body;
  if (!body) return [];
  const out = new Set<string>();
  // `null` is OpenAI's "not set", and `false` turns a feature off (`logprobs`, `store`): nothing
  // is lost either way.
  for (const [key, value] of Object.entries(body))
    if (!OPENAI_TRANSLATED.has(key) && value != null && value !== false) out.add(key);
  return [...out].sort();
}

/** The `x-benchtop-dropped` header for `dropped` (none when empty). */
export function droppedHeader(dropped: readonly string[] | undefined): Record<string, string> {
  return dropped && dropped.length > 0 ? { "x-benchtop-dropped": dropped.join(", ") } : {};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
