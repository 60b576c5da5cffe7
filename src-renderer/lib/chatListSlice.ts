import type { ConversationSummaryDto, Role } from "@contract";
import { describeError } from "../api/ApiRequestError";
import type { ApiClient } from "../api/createApiClient";
import { chatModelOptions, defaultChatModel, type ChatModelOption } from "./chatModels";

/** What surrounds the open chat: the conversation list (and its search) and the model picker. */
export interface ChatListSlice {
  /** The caller's conversations, newest change first (or the matches of `query`). */
  list: ConversationSummaryDto[];
  hasMore: boolean;
  query: string;
  listError?: string;
  models: ChatModelOption[];
  modelsError?: string;
  /** The model the next message goes to. */
  model: string | null;
  /** Reads the models the caller may use, and prices if their role may read them. */
  loadModels(): Promise<void>;
  /** Reads the first page of conversations; `query` searches titles and messages. */
  loadList(query?: string): Promise<void>;
  loadMore(): Promise<void>;
}

export interface ChatListDeps {
  api: () => Promise<ApiClient>;
  role: () => Role | undefined;
}

/** Conversations per page of the list. */
const PAGE = 30;

export const chatListInitial = {
  list: [] as ConversationSummaryDto[],
  hasMore: false,
  query: "",
  listError: undefined as string | undefined,
  models: [] as ChatModelOption[],
  modelsError: undefined as string | undefined,
  model: null as string | null,
};

/**
 * The list and picker half of the chat store (a zustand slice). Only the latest list call may
 * write, so a slow answer to an old search never replaces a newer one. Viewers have no saved
 * conversations (the API lets them change nothing), so their list is never read.
 */
export function chatListSlice(
  deps: ChatListDeps,
  set: (partial: Partial<ChatListSlice>) => void,
  get: () => ChatListSlice,
): ChatListSlice & { forgetList(): void } {
  let latest = 0;
  let nextCursor: string | null = null;

  async function readPage(query: string, cursor: string | null) {
    const call = ++latest;
    const q = query.trim();
    try {
      const api = await deps.api();
      const page = await api.manage("GET /conversations", {
        query: { limit: PAGE, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) },
      });
      if (call !== latest) return;
      nextCursor = page.next_cursor;
      set({
        list: cursor ? [...get().list, ...page.data] : page.data,
        hasMore: page.has_more,
        listError: undefined,
      });
    } catch (err) {
      if (call === latest) set({ listError: describeError(err) });
    }
  }

  return {
    ...chatListInitial,

    async loadModels() {
      try {
        const api = await deps.api();
        const role = deps.role();
        // GET /prices is for owner, admin and viewer; members see no price rather than a guess.
        const staff = role === "owner" || role === "admin" || role === "viewer";
        const [models, prices] = await Promise.all([
          api.listModels(),
          staff ? api.manage("GET /prices").then((p) => p.data) : Promise.resolve(undefined),
        ]);
        const options = chatModelOptions(models.data, prices);
        set({
          models: options,
          modelsError: undefined,
          model: get().model ?? defaultChatModel(options),
        });
      } catch (err) {
        set({ modelsError: describeError(err) });
      }
    },

    async loadList(query = get().query) {
      set({ query });
      if (deps.role() === "viewer") return;
      await readPage(query, null);
    },

    async loadMore() {
      if (nextCursor) await readPage(get().query, nextCursor);
    },

    forgetList() {
      latest++;
      nextCursor = null;
    },
  };
}
