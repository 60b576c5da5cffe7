import type { MessageDto, NewMessageBody } from "@contract";
import type { ApiClient } from "../api/createApiClient";
import { titleFrom } from "./chatMessages";

/** How often, and how far apart, an answer's cost is read again while the ledger settles. */
export interface CostRetry {
  tries: number;
  delayMs: number;
}

/**
 * Saves `bodies` to conversation `conversationId`, or, when it is null, starts a conversation
 * with them (titled after the first one, with the chat's system prompt and model). Returns the
 * messages as stored and the new conversation, if one was made.
 */
export async function saveMessages(
  api: ApiClient,
  conversationId: string | null,
  bodies: NewMessageBody[],
  settings: { systemPrompt: string; model: string | null },
): Promise<{ created?: { id: string; title: string }; messages: MessageDto[] }> {
  if (conversationId === null) {
    const c = await api.manage("POST /conversations", {
      body: {
        title: titleFrom(bodies[0]!.content),
        system_prompt: settings.systemPrompt,
        ...(settings.model ? { model: settings.model } : {}),
        messages: bodies,
      },
    });
    return { created: { id: c.id, title: c.title }, messages: c.messages };
  }
  const added = await api.manage("POST /conversations/:id/messages", {
    params: { id: conversationId },
    body: { messages: bodies },
  });
  return { messages: added.data };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A saved answer once the server knows its cost. After Stop the ledger settles the request a
 * moment after the stream ends, so the message is read again, at most `retry.tries` times;
 * undefined when it never settled in that time (the line then keeps saying "cost pending").
 */
export async function settledMessage(
  api: ApiClient,
  conversationId: string,
  messageId: string,
  retry: CostRetry,
): Promise<MessageDto | undefined> {
  for (let i = 0; i < retry.tries; i++) {
    await sleep(retry.delayMs);
    const c = await api.manage("GET /conversations/:id", { params: { id: conversationId } });
    const m = c.messages.find((x) => x.id === messageId);
    if (m && m.cost_micros !== null) return m;
  }
  return undefined;
}
