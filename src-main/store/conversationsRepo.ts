import { randomBytes } from "node:crypto";
import {
  CONVERSATION_COLUMNS,
  chargeFromRaw,
  conversationFromRaw,
  messageFromRaw,
  type Conversation,
  type Message,
  type NewMessage,
  type RawCharge,
  type RawConversation,
  type RawMessage,
  type RequestCharge,
} from "./conversationRows.js";
import type { Db } from "./db.js";

export type {
  Conversation,
  Message,
  MessageRole,
  NewMessage,
  RequestCharge,
} from "./conversationRows.js";

const newId = (prefix: "conv" | "msg") => `${prefix}_${randomBytes(8).toString("hex")}`;

/**
 * Turns what a person typed into an FTS5 query that cannot be a syntax error: each word
 * (letters, digits, `_`) becomes a quoted prefix term, and all of them must match. Returns null
 * when `q` holds no word at all.
 */
export function ftsQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return null;
  return words
    .slice(0, 16)
    .map((w) => `"${w}"*`)
    .join(" ");
}

/**
 * Desktop chat conversations and messages. Every read takes the author's member id, so a
 * caller can never load another member's conversation by id. Writes are single statements the
 * management routes wrap in their transactions; each bumps the conversation's `activity`.
 */
export class ConversationsRepo {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      get: db.prepare<[string, string], RawConversation>(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ? AND c.member_id = ?`,
      ),
      list: db.prepare<{ memberId: string; before: number | null; limit: number }, RawConversation>(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations c
          WHERE c.member_id = @memberId AND (@before IS NULL OR c.activity < @before)
          ORDER BY c.activity DESC LIMIT @limit`,
      ),
      // Hits in titles and in messages, the best-ranked (bm25: lower is better) per conversation;
      // SQLite returns the bare `snip` column from the row that gave min(rank).
      search: db.prepare<
        { memberId: string; before: number | null; limit: number; q: string; a: string; b: string },
        RawConversation
      >(
        `WITH hits AS (
           SELECT m.conversation_id AS cid, bm25(messages_fts) AS rank,
                  snippet(messages_fts, 0, @a, @b, '…', 16) AS snip
             FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
            WHERE messages_fts MATCH @q
           UNION ALL
           SELECT c.id, bm25(conversations_fts), snippet(conversations_fts, 0, @a, @b, '…', 16)
             FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid
            WHERE conversations_fts MATCH @q
         ), best AS (SELECT cid, min(rank) AS rank, snip FROM hits GROUP BY cid)
         SELECT ${CONVERSATION_COLUMNS}, best.snip AS snippet
           FROM best JOIN conversations c ON c.id = best.cid
          WHERE c.member_id = @memberId AND (@before IS NULL OR c.activity < @before)
          ORDER BY c.activity DESC LIMIT @limit`,
      ),
      nextActivity: db.prepare<[string], { n: number }>(
        "SELECT ifnull(max(activity), 0) + 1 AS n FROM conversations WHERE member_id = ?",
      ),
      insert: db.prepare(
        `INSERT INTO conversations (id, member_id, title, system_prompt, model, activity, created_ms, updated_ms)
         VALUES (@id, @memberId, @title, @systemPrompt, @model, @activity, @now, @now)`,
      ),
      update: db.prepare(
        `UPDATE conversations SET title = @title, system_prompt = @systemPrompt, model = @model,
           activity = @activity, updated_ms = @now WHERE id = @id`,
      ),
      touch: db.prepare(
        "UPDATE conversations SET activity = @activity, updated_ms = @now WHERE id = @id",
      ),
      delete: db.prepare<[string]>("DELETE FROM conversations WHERE id = ?"),
      messages: db.prepare<[string], RawMessage>(
        "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position",
      ),
      storedBytes: db.prepare<[{ memberId: string }], { n: number }>(
        `SELECT (SELECT ifnull(sum(length(CAST(title AS BLOB)) + length(CAST(system_prompt AS BLOB))), 0)
                   FROM conversations WHERE member_id = @memberId)
              + (SELECT ifnull(sum(length(CAST(m.content AS BLOB))), 0)
                   FROM messages m JOIN conversations c ON c.id = m.conversation_id
                  WHERE c.member_id = @memberId) AS n`,
      ),
      nextPosition: db.prepare<[string], { n: number }>(
        "SELECT ifnull(max(position) + 1, 0) AS n FROM messages WHERE conversation_id = ?",
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages (id, conversation_id, position, role, content, model, request_id,
           prompt_tokens, completion_tokens, cost_micros, ttft_ms, duration_ms, tokens_per_s,
           finish_reason, error_code, error_message, created_ms)
         VALUES (@id, @conversationId, @position, @role, @content, @model, @requestId,
           @promptTokens, @completionTokens, @costMicros, @ttftMs, @durationMs, @tokensPerS,
           @finishReason, @errorCode, @errorMessage, @createdMs)`,
      ),
      messagePosition: db.prepare<[string, string], { position: number }>(
        "SELECT position FROM messages WHERE id = ? AND conversation_id = ?",
      ),
      truncate: db.prepare<[string, number]>(
        "DELETE FROM messages WHERE conversation_id = ? AND position >= ?",
      ),
      // Only the member's own rows: a request id from another member's chat charges nothing here.
      charges: db.prepare<[string, string], RawCharge>(
        `SELECT request_id, ifnull(sum(cost_micros), 0) AS cost,
                sum(state = 'reserved') AS pending,
                (SELECT u2.prompt_tokens FROM usage u2 WHERE u2.request_id = u.request_id
                  ORDER BY u2.attempt DESC LIMIT 1) AS prompt_tokens,
                (SELECT u2.completion_tokens FROM usage u2 WHERE u2.request_id = u.request_id
                  ORDER BY u2.attempt DESC LIMIT 1) AS completion_tokens
           FROM usage u
          WHERE u.member_id = ? AND u.request_id IN
                (SELECT request_id FROM messages WHERE conversation_id = ? AND request_id IS NOT NULL)
          GROUP BY request_id`,
      ),
      charge: db.prepare<[string, string], RawCharge>(
        `SELECT request_id, ifnull(sum(cost_micros), 0) AS cost, sum(state = 'reserved') AS pending,
                NULL AS prompt_tokens, NULL AS completion_tokens
           FROM usage WHERE member_id = ? AND request_id = ? GROUP BY request_id`,
      ),
    };
  }

  /** The conversation `id` if `memberId` wrote it; undefined otherwise (missing or not theirs). */
  get(id: string, memberId: string): Conversation | undefined {
    const r = this.s.get.get(id, memberId);
    return r && conversationFromRaw(r);
  }

  /** Newest first (by last change), `limit` rows whose activity is below `before`. */
  list(memberId: string, opts: { limit: number; before?: number }): Conversation[] {
    return this.s.list
      .all({ memberId, limit: opts.limit, before: opts.before ?? null })
      .map(conversationFromRaw);
  }

  /**
   * The member's conversations whose title or messages match `query` (an FTS5 query from
   * `ftsQuery`), newest first like `list`, each with a snippet of its best match.
   */
  search(
    memberId: string,
    query: string,
    opts: { limit: number; before?: number; marks: [string, string] },
  ): Conversation[] {
    return this.s.search
      .all({
        memberId,
        q: query,
        limit: opts.limit,
        before: opts.before ?? null,
        a: opts.marks[0],
        b: opts.marks[1],
      })
      .map(conversationFromRaw);
  }

  create(c: {
    memberId: string;
    title: string;
    systemPrompt: string;
    model: string | null;
  }): Conversation {
    const id = newId("conv");
    const activity = this.s.nextActivity.get(c.memberId)!.n;
    this.s.insert.run({ ...c, id, activity, now: this.now() });
    return this.get(id, c.memberId)!;
  }

  update(
    current: Conversation,
    patch: { title?: string; systemPrompt?: string; model?: string | null },
  ): Conversation {
    this.s.update.run({
      id: current.id,
      title: patch.title ?? current.title,
      systemPrompt: patch.systemPrompt ?? current.systemPrompt,
      model: patch.model === undefined ? current.model : patch.model,
      activity: this.s.nextActivity.get(current.memberId)!.n,
      now: this.now(),
    });
    return this.get(current.id, current.memberId)!;
  }

  /** Removes the conversation and (cascade) its messages and their search entries. */
  delete(id: string): void {
    this.s.delete.run(id);
  }

  /** Bytes of text a member has stored: titles, system prompts and messages of all their chats. */
  storedBytes(memberId: string): number {
    return this.s.storedBytes.get({ memberId })!.n;
  }

  messages(conversationId: string): Message[] {
    return this.s.messages.all(conversationId).map(messageFromRaw);
  }

  /** Appends after the last message, in order; marks the conversation changed. */
  append(conversation: Conversation, messages: readonly NewMessage[]): Message[] {
    let position = this.s.nextPosition.get(conversation.id)!.n;
    const createdMs = this.now();
    const ids: string[] = [];
    for (const m of messages) {
      const id = newId("msg");
      ids.push(id);
      this.s.insertMessage.run({
        model: null,
        requestId: null,
        promptTokens: null,
        completionTokens: null,
        costMicros: null,
        ttftMs: null,
        durationMs: null,
        tokensPerS: null,
        finishReason: null,
        errorCode: null,
        errorMessage: null,
        ...m,
        id,
        conversationId: conversation.id,
        position: position++,
        createdMs,
      });
    }
    this.touch(conversation);
    const wanted = new Set(ids);
    return this.messages(conversation.id).filter((m) => wanted.has(m.id));
  }

  /**
   * Deletes message `messageId` and every later one. Returns how many went, or null when the
   * message is not in this conversation.
   */
  truncateFrom(conversation: Conversation, messageId: string): number | null {
    const at = this.s.messagePosition.get(messageId, conversation.id);
    if (!at) return null;
    const removed = this.s.truncate.run(conversation.id, at.position).changes;
    this.touch(conversation);
    return removed;
  }

  /** What the ledger charged for each settled request of the conversation, by request id. */
  charges(conversationId: string, memberId: string): Map<string, RequestCharge> {
    const out = new Map<string, RequestCharge>();
    for (const r of this.s.charges.all(memberId, conversationId)) {
      if (r.pending === 0) out.set(r.request_id, chargeFromRaw(r));
    }
    return out;
  }

  /** The settled cost of one of the member's requests; undefined while any attempt is reserved. */
  charge(requestId: string, memberId: string): number | undefined {
    const r = this.s.charge.get(memberId, requestId);
    return r && r.pending === 0 ? r.cost : undefined;
  }

  private touch(conversation: Conversation): void {
    this.s.touch.run({
      id: conversation.id,
      activity: this.s.nextActivity.get(conversation.memberId)!.n,
      now: this.now(),
    });
  }
}
