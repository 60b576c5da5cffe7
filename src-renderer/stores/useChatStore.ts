import type { NewMessageBody, Role } from "@contract";
import { create } from "zustand";
import { describeError } from "../api/ApiRequestError";
import { appApi } from "../api/appApi";
import type { ApiClient } from "../api/createApiClient";
import { assistantBody, localMessage, turnsFor, type ChatMessage } from "../lib/chatMessages";
import { chatListInitial, chatListSlice, type ChatListSlice } from "../lib/chatListSlice";
import { streamChatCompletion } from "../lib/chatStream";
import { saveMessages, settledMessage, type CostRetry } from "../lib/chatSync";
import { useAuthStore } from "./useAuthStore";

export type { ChatMessage } from "../lib/chatMessages";

export interface ChatState extends ChatListSlice {
  /** The open conversation; null for a new chat not saved yet. */
  conversationId: string | null;
  title: string;
  systemPrompt: string;
  /**
   * Sampling temperature for the next answers; null: the server's default. Kept for this window
   * only (not saved with the conversation).
   */
  temperature: number | null;
  messages: ChatMessage[];
  streaming: boolean;
  /** Why the last save or load failed (a failed answer shows on its own message instead). */
  error?: string;
  open(id: string): Promise<void>;
  newChat(): void;
  selectModel(id: string): Promise<void>;
  setSystemPrompt(text: string): Promise<void>;
  setTemperature(value: number | null): void;
  rename(title: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Sends a user message and streams the answer. */
  send(text: string): Promise<void>;
  /** Stops the answer being streamed; what arrived is kept and saved. */
  stop(): void;
  /** Drops an answer (and anything after it) and asks again. */
  regenerate(messageId: string): Promise<void>;
  /** Replaces a user message (dropping everything after it) and asks again. */
  editAndResend(messageId: string, text: string): Promise<void>;
  reset(): void;
}

export interface ChatStoreDeps {
  api: () => Promise<ApiClient>;
  /** The caller's role: viewers change nothing through the API, so their chats are not saved. */
  role: () => Role | undefined;
  /** Defaults to `Date.now`. */
  now?: () => number;
  /**
   * After Stop the server settles the usage a moment after the stream ends: the answer's cost is
   * read again up to `tries` times, `delayMs` apart. Defaults to 20 × 250 ms.
   */
  costRetry?: CostRetry;
}

export function createChatStore(deps: ChatStoreDeps) {
  const now = deps.now ?? Date.now;
  const retry = deps.costRetry ?? { tries: 20, delayMs: 250 };
  const saves = () => deps.role() !== "viewer";
  /** Bumped when another conversation opens: late answers for the old one stay off screen. */
  let session = 0;
  let controller: AbortController | undefined;
  const initial = {
    ...chatListInitial,
    conversationId: null as string | null,
    title: "New chat",
    systemPrompt: "",
    temperature: null as number | null,
    messages: [] as ChatMessage[],
    streaming: false,
    error: undefined as string | undefined,
  };

  return create<ChatState>()((set, get) => {
    const { forgetList, ...listSlice } = chatListSlice(deps, set, get);
    /** Runs `fn` and shows its failure; resolves false when it failed. */
    async function attempt(fn: () => Promise<void>): Promise<boolean> {
      try {
        await fn();
        set({ error: undefined });
        return true;
      } catch (err) {
        set({ error: describeError(err) });
        return false;
      }
    }

    /** Saves `bodies` (see saveMessages); a viewer's stay on screen only. */
    async function save(
      bodies: NewMessageBody[],
      conversationId = get().conversationId,
    ): Promise<ChatMessage[]> {
      const s = get();
      if (!saves()) {
        const id = conversationId ?? "local";
        return bodies.map((b, i) => localMessage(id, s.messages.length + i, b, now()));
      }
      const out = await saveMessages(await deps.api(), conversationId, bodies, s);
      if (out.created) set({ conversationId: out.created.id, title: out.created.title });
      return out.messages;
    }

    /** Shows a stopped answer's cost once the server has settled it. */
    async function settleCost(conversationId: string, messageId: string, mine: number) {
      const m = await settledMessage(await deps.api(), conversationId, messageId, retry);
      if (m && mine === session)
        set({
          // The route is not stored with the message: kept from the answer on screen.
          messages: get().messages.map((x) =>
            x.id === messageId ? (x.route ? { ...m, route: x.route } : m) : x,
          ),
        });
    }

    /** Streams an answer to the conversation as it is on screen, then saves it. */
    async function answer(): Promise<void> {
      const s = get();
      const model = s.model;
      if (!model) {
        set({ error: "Pick a model first." });
        return;
      }
      const mine = session;
      // Saved here even if another conversation is opened meanwhile (that stops this answer).
      const conversationId = s.conversationId;
      const api = await deps.api();
      controller = new AbortController();
      const pending: ChatMessage = {
        ...localMessage(
          s.conversationId ?? "local",
          s.messages.length,
          { role: "assistant", content: "", model },
          now(),
        ),
        streaming: true,
      };
      set({ streaming: true, error: undefined, messages: [...s.messages, pending] });
      const result = await streamChatCompletion({
        api,
        model,
        messages: turnsFor(s.systemPrompt, s.messages),
        ...(s.temperature === null ? {} : { temperature: s.temperature }),
        signal: controller.signal,
        onText: (content) => {
          if (mine !== session) return;
          set({
            messages: get().messages.map((m) =>
              // The answer started: it no longer waits in line.
              m.id === pending.id ? { ...m, content, queuedAhead: undefined } : m,
            ),
          });
        },
        onQueued: (ahead) => {
          if (mine !== session) return;
          set({
            messages: get().messages.map((m) =>
              m.id === pending.id && !m.content ? { ...m, queuedAhead: ahead } : m,
            ),
          });
        },
      });
      controller = undefined;
      const body = assistantBody(model, result);
      // Kept on screen as it is if saving fails.
      let stored = localMessage(pending.conversation_id, pending.position, body, now());
      try {
        [stored] = (await save([body], conversationId)) as [ChatMessage];
      } catch (err) {
        if (mine === session) set({ error: `The answer was not saved: ${describeError(err)}` });
      }
      void get().loadList();
      if (mine !== session) return;
      if (result.route) stored = { ...stored, route: result.route };
      set({
        streaming: false,
        messages: get().messages.map((m) => (m.id === pending.id ? stored : m)),
      });
      if (saves() && conversationId && stored.request_id && stored.cost_micros === null)
        void settleCost(conversationId, stored.id, mine).catch(() => undefined);
    }

    /** Drops the message at `index` and every later one, on screen and on the server. */
    async function truncateAt(index: number): Promise<void> {
      const s = get();
      const from = s.messages[index]!;
      if (saves() && s.conversationId) {
        const api = await deps.api();
        const c = await api.manage("POST /conversations/:id/truncate", {
          params: { id: s.conversationId },
          body: { from_message_id: from.id },
        });
        set({ messages: c.messages });
      } else set({ messages: s.messages.slice(0, index) });
    }

    return {
      ...initial,
      ...listSlice,

      async open(id) {
        get().stop();
        const mine = ++session;
        await attempt(async () => {
          const api = await deps.api();
          const c = await api.manage("GET /conversations/:id", { params: { id } });
          if (mine !== session) return;
          set({
            conversationId: c.id,
            title: c.title,
            systemPrompt: c.system_prompt,
            messages: c.messages,
            model: c.model ?? get().model,
            streaming: false,
          });
        });
      },

      newChat() {
        get().stop();
        session++;
        set({
          conversationId: null,
          title: "New chat",
          systemPrompt: "",
          messages: [],
          streaming: false,
          error: undefined,
        });
      },

      async selectModel(id) {
        set({ model: id });
        const conversationId = get().conversationId;
        if (!saves() || !conversationId) return;
        await attempt(async () => {
          const api = await deps.api();
          await api.manage("PATCH /conversations/:id", {
            params: { id: conversationId },
            body: { model: id },
          });
        });
      },

      setTemperature(value) {
        set({ temperature: value });
      },

      async setSystemPrompt(text) {
        set({ systemPrompt: text });
        const conversationId = get().conversationId;
        if (!saves() || !conversationId) return;
        await attempt(async () => {
          const api = await deps.api();
          await api.manage("PATCH /conversations/:id", {
            params: { id: conversationId },
            body: { system_prompt: text },
          });
        });
      },

      async rename(title) {
        const conversationId = get().conversationId;
        const trimmed = title.trim();
        if (!trimmed) return;
        set({ title: trimmed });
        if (!saves() || !conversationId) return;
        const ok = await attempt(async () => {
          const api = await deps.api();
          await api.manage("PATCH /conversations/:id", {
            params: { id: conversationId },
            body: { title: trimmed },
          });
        });
        if (ok) await get().loadList();
      },

      async remove(id) {
        const ok = await attempt(async () => {
          const api = await deps.api();
          await api.manage("DELETE /conversations/:id", { params: { id } });
        });
        if (!ok) return;
        if (get().conversationId === id) get().newChat();
        await get().loadList();
      },

      async send(text) {
        const content = text.trim();
        if (!content || get().streaming) return;
        if (!get().model) {
          set({ error: "Pick a model first." });
          return;
        }
        const saved = await attempt(async () => {
          const [user] = await save([{ role: "user", content }]);
          set({ messages: [...get().messages, user!] });
        });
        if (saved) await answer();
      },

      stop() {
        controller?.abort();
      },

      async regenerate(messageId) {
        const index = get().messages.findIndex((m) => m.id === messageId);
        if (index < 0 || get().streaming || get().messages[index]!.role !== "assistant") return;
        if (await attempt(() => truncateAt(index))) await answer();
      },

      async editAndResend(messageId, text) {
        const content = text.trim();
        const index = get().messages.findIndex((m) => m.id === messageId);
        if (!content || index < 0 || get().streaming || get().messages[index]!.role !== "user")
          return;
        const ok = await attempt(async () => {
          await truncateAt(index);
          const [user] = await save([{ role: "user", content }]);
          set({ messages: [...get().messages, user!] });
        });
        if (ok) await answer();
      },

      reset() {
        get().stop();
        session++;
        forgetList();
        set(initial);
      },
    };
  });
}

export const useChatStore = createChatStore({
  api: appApi,
  role: () => useAuthStore.getState().me?.role,
});

// Another key signed in (or none): forget the previous person's chats, which are private.
useAuthStore.subscribe((now, before) => {
  if (now.key !== before.key) useChatStore.getState().reset();
});
