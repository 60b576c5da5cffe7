import {
  AppendMessagesBody,
  ConversationListQuery,
  ConversationPageDto,
  ConversationWithMessagesDto,
  CreateConversationBody,
  DeletedConversationDto,
  MessageListDto,
  SNIPPET_MATCH_END,
  SNIPPET_MATCH_START,
  TruncateConversationBody,
  UpdateConversationBody,
  type ConversationDto,
  type MessageDto,
  type NewMessageBody,
} from "../../contract/index.js";
import {
  ftsQuery,
  type Conversation,
  type Message,
  type NewMessage,
  type RequestCharge,
} from "../../store/conversationsRepo.js";
import {
  conflict,
  mutate,
  nothingToChange,
  notFound,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

/**
 * Desktop chat history. Conversations are private to their author, whatever the caller's role:
 * every lookup is by (id, caller's member id), so another member's id — the owner asking about
 * a member's chat included — gets the same 404 as an id that does not exist.
 *
 * Reads are open to every role; writes to owner, admin and member (viewers change nothing, as
 * everywhere in this API). Audit: creating, changing, truncating and deleting a conversation
 * are audited as actions with ids and counts only, never a title, prompt or message text.
 * Appending messages is not audited: it happens on every chat turn, and each completion already
 * has its usage row; it still runs in one transaction and emits an event to the author.
 */

const DEFAULT_TITLE = "New chat";

/** Saved chat text one member may keep when the config says nothing: 256 MiB. */
const DEFAULT_CHAT_BYTES_PER_MEMBER = 256 * 1024 * 1024;

const conversationDto = (c: Conversation): ConversationDto => ({
  id: c.id,
  title: c.title,
  system_prompt: c.systemPrompt,
  model: c.model,
  message_count: c.messageCount,
  created_ms: c.createdMs,
  updated_ms: c.updatedMs,
});

/** Usage the stream did not report (Stop, a dropped stream) comes from the settled ledger. */
const messageDto = (m: Message, charge: RequestCharge | undefined): MessageDto => ({
  id: m.id,
  conversation_id: m.conversationId,
  position: m.position,
  role: m.role,
  content: m.content,
  model: m.model,
  request_id: m.requestId,
  prompt_tokens: m.promptTokens ?? charge?.promptTokens ?? null,
  completion_tokens: m.completionTokens ?? charge?.completionTokens ?? null,
  cost_micros: m.costMicros ?? charge?.costMicros ?? null,
  ttft_ms: m.ttftMs,
  duration_ms: m.durationMs,
  tokens_per_s: m.tokensPerS,
  finish_reason: m.finishReason,
  error: m.errorMessage === null ? null : { code: m.errorCode, message: m.errorMessage },
  created_ms: m.createdMs,
});

/** The audit and event snapshot: what happened to which conversation, never its content. */
const mib = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MiB`;
const bytesOf = (texts: readonly string[]) =>
  texts.reduce((n, text) => n + Buffer.byteLength(text, "utf8"), 0);

/**
 * Refuses a write that would take the caller's saved chats past their limit (409
 * chat_storage_full). Called inside the write's transaction, so two writes cannot both pass.
 */
function ensureRoom(c: Call, incoming: number): void {
  const cap = c.deps.chatBytesPerMember ?? DEFAULT_CHAT_BYTES_PER_MEMBER;
  if (c.deps.store.conversations.storedBytes(c.principal.memberId) + incoming > cap)
    throw conflict(
      `Your saved chats have reached their ${mib(cap)} limit: delete old conversations to save new messages.`,
      "chat_storage_full",
    );
}

const snapshot = (c: Conversation) => ({ id: c.id, message_count: c.messageCount });

/** The caller's own conversation `id`, or the one 404 for missing and not-theirs alike. */
function ownConversation(c: Call, id: string): Conversation {
  const conversation = c.deps.store.conversations.get(id, c.principal.memberId);
  if (!conversation) throw notFound("conversation");
  return conversation;
}

function withMessages(c: Call, conversation: Conversation) {
  const repo = c.deps.store.conversations;
  const charges = repo.charges(conversation.id, conversation.memberId);
  return {
    ...conversationDto(conversation),
    messages: repo
      .messages(conversation.id)
      .map((m) => messageDto(m, m.requestId ? charges.get(m.requestId) : undefined)),
  };
}

/** A message as stored; an assistant reply's cost is the ledger's, read now if it has settled. */
function newMessage(c: Call, m: NewMessageBody): NewMessage {
  const charged =
    m.request_id === undefined
      ? undefined
      : c.deps.store.conversations.charge(m.request_id, c.principal.memberId);
  return {
    role: m.role,
    content: m.content,
    model: m.model ?? null,
    requestId: m.request_id ?? null,
    promptTokens: m.prompt_tokens ?? null,
    completionTokens: m.completion_tokens ?? null,
    costMicros: charged ?? null,
    ttftMs: m.ttft_ms ?? null,
    durationMs: m.duration_ms ?? null,
    tokensPerS: m.tokens_per_s ?? null,
    finishReason: m.finish_reason ?? null,
    errorCode: m.error?.code ?? null,
    errorMessage: m.error?.message ?? null,
  };
}

const target = (c: Call, action: string, id: string | null) => ({
  action,
  targetType: "conversation",
  targetId: id,
  memberId: c.principal.memberId,
});

export const conversationRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/conversations",
    access: "any",
    summary: "Your conversations, most recently changed first; `q` searches titles and messages",
    query: ConversationListQuery,
    response: ConversationPageDto,
    handle: (c) => {
      const repo = c.deps.store.conversations;
      const { limit } = c.query;
      const before = c.query.cursor === undefined ? undefined : Number(c.query.cursor);
      const q = c.query.q ? ftsQuery(c.query.q) : undefined;
      const rows =
        q === undefined
          ? repo.list(c.principal.memberId, { limit: limit + 1, before })
          : q === null
            ? [] // nothing searchable (only punctuation): nothing matches
            : repo.search(c.principal.memberId, q, {
                limit: limit + 1,
                before,
                marks: [SNIPPET_MATCH_START, SNIPPET_MATCH_END],
              });
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      return {
        object: "list",
        data: page.map((r) => ({ ...conversationDto(r), snippet: r.snippet ?? null })),
        has_more: hasMore,
        next_cursor: hasMore ? String(page.at(-1)!.activity) : null,
      };
    },
  }),
  route({
    method: "post",
    path: "/conversations",
    access: "self",
    summary: "Start a conversation, optionally with its first messages",
    body: CreateConversationBody,
    response: ConversationWithMessagesDto,
    status: 201,
    handle: (c) => {
      const repo = c.deps.store.conversations;
      const messages = (c.body.messages ?? []).map((m) => newMessage(c, m));
      return mutate(c, target(c, "conversation.create", null), () => {
        ensureRoom(
          c,
          bytesOf([c.body.title ?? DEFAULT_TITLE, c.body.system_prompt ?? ""]) +
            bytesOf(messages.map((m) => m.content)),
        );
        let created = repo.create({
          memberId: c.principal.memberId,
          title: c.body.title ?? DEFAULT_TITLE,
          systemPrompt: c.body.system_prompt ?? "",
          model: c.body.model ?? null,
        });
        if (messages.length > 0) {
          repo.append(created, messages);
          created = repo.get(created.id, created.memberId)!;
        }
        return {
          before: null,
          after: snapshot(created),
          result: withMessages(c, created),
          targetId: created.id,
        };
      });
    },
  }),
  route({
    method: "get",
    path: "/conversations/:id",
    access: "any",
    summary: "One of your conversations with all its messages",
    response: ConversationWithMessagesDto,
    handle: (c) => withMessages(c, ownConversation(c, c.params.id!)),
  }),
  route({
    method: "patch",
    path: "/conversations/:id",
    access: "self",
    summary: "Rename a conversation, or change its system prompt or model",
    body: UpdateConversationBody,
    response: ConversationWithMessagesDto,
    handle: (c) => {
      const conversation = ownConversation(c, c.params.id!);
      const fields = Object.keys(c.body);
      if (fields.length === 0) throw nothingToChange();
      return mutate(c, target(c, "conversation.update", conversation.id), () => {
        const grows =
          (c.body.title === undefined
            ? 0
            : bytesOf([c.body.title]) - bytesOf([conversation.title])) +
          (c.body.system_prompt === undefined
            ? 0
            : bytesOf([c.body.system_prompt]) - bytesOf([conversation.systemPrompt]));
        if (grows > 0) ensureRoom(c, grows);
        const after = c.deps.store.conversations.update(conversation, {
          title: c.body.title,
          systemPrompt: c.body.system_prompt,
          model: c.body.model,
        });
        return {
          before: snapshot(conversation),
          after: { ...snapshot(after), changed: fields.sort() },
          result: withMessages(c, after),
        };
      });
    },
  }),
  route({
    method: "delete",
    path: "/conversations/:id",
    access: "self",
    summary: "Delete a conversation and its messages (gone, search index included)",
    response: DeletedConversationDto,
    handle: (c) => {
      const conversation = ownConversation(c, c.params.id!);
      return mutate(c, target(c, "conversation.delete", conversation.id), () => {
        c.deps.store.conversations.delete(conversation.id);
        return {
          before: snapshot(conversation),
          after: null,
          result: { id: conversation.id, object: "conversation", deleted: true },
        };
      });
    },
  }),
  route({
    method: "post",
    path: "/conversations/:id/messages",
    access: "self",
    summary: "Append messages after the last one (not audited: see the module comment)",
    body: AppendMessagesBody,
    response: MessageListDto,
    status: 201,
    handle: (c) => {
      const repo = c.deps.store.conversations;
      const run = c.deps.db.transaction(() => {
        const conversation = ownConversation(c, c.params.id!);
        ensureRoom(c, bytesOf(c.body.messages.map((m) => m.content)));
        const added = repo.append(
          conversation,
          c.body.messages.map((m) => newMessage(c, m)),
        );
        const charges = repo.charges(conversation.id, conversation.memberId);
        return { added, charges, after: repo.get(conversation.id, conversation.memberId)! };
      });
      const { added, charges, after } = run.immediate();
      c.deps.events.emit({
        type: "conversation.messages",
        memberId: c.principal.memberId,
        data: snapshot(after),
      });
      return {
        object: "list",
        data: added.map((m) => messageDto(m, m.requestId ? charges.get(m.requestId) : undefined)),
      };
    },
  }),
  route({
    method: "post",
    path: "/conversations/:id/truncate",
    access: "self",
    summary: "Delete a message and every later one (edit-and-resend, regenerate)",
    body: TruncateConversationBody,
    response: ConversationWithMessagesDto,
    handle: (c) => {
      const conversation = ownConversation(c, c.params.id!);
      const repo = c.deps.store.conversations;
      return mutate(c, target(c, "conversation.truncate", conversation.id), () => {
        const removed = repo.truncateFrom(conversation, c.body.from_message_id);
        if (removed === null) throw notFound("message");
        const after = repo.get(conversation.id, conversation.memberId)!;
        return {
          before: snapshot(conversation),
          after: snapshot(after),
          result: withMessages(c, after),
        };
      });
    },
  }),
];
