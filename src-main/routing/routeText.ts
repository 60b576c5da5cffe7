import type { ChatRequest } from "../gateway/types.js";

/**
 * What the classifier reads of a conversation: the last user turn first (it says what is being
 * asked), then as much of the turns before it as fits, newest first, in `chars` characters in
 * all. A bounded tail keeps classification cheap however long the conversation: a coding
 * agent's 20k-token system prompt is not read (it is the same for every request it sends).
 */
export function classifierText(messages: ChatRequest["messages"], chars: number): string {
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === "user") {
      last = i;
      break;
    }
  if (last < 0) return "";
  const ask = messages[last]!.content.slice(0, chars);
  let room = chars - ask.length;
  const before: string[] = [];
  for (let i = last - 1; i >= 0 && room > 40; i--) {
    const m = messages[i]!;
    if (m.role === "system") continue;
    const text = m.content.slice(-Math.min(room, 500));
    before.unshift(`${m.role}: ${text}`);
    room -= text.length + m.role.length + 2;
  }
  return before.length === 0 ? ask : `${before.join("\n")}\nuser: ${ask}`;
}
