import { create } from "zustand";
import type { ApiClient } from "../api/createApiClient";
import type { ServerEvent } from "../api/serverEvents";

type Listener = (e: ServerEvent) => void;

export interface EventsState {
  /** Whether the event stream is open right now (live updates arrive). */
  live: boolean;
  /**
   * Follows `/manage/v1/events` until the returned function is called, reconnecting after
   * `retryMs` (defaults to 3000) whenever the stream ends or fails.
   */
  follow(connect: () => Promise<ApiClient>, retryMs?: number): () => void;
  /** Calls `listener` for events whose type starts with one of `prefixes` ("" = all). */
  subscribe(prefixes: readonly string[], listener: Listener): () => void;
}

/**
 * Live updates for every page: one stream per signed-in session, fanned out to subscribers.
 * Pages refetch what an event touches; the server stays the truth.
 */
export const useEventsStore = create<EventsState>()((set) => {
  const listeners = new Set<{ prefixes: readonly string[]; listener: Listener }>();
  const dispatch = (e: ServerEvent) => {
    for (const l of listeners)
      if (l.prefixes.some((p) => e.type.startsWith(p))) {
        try {
          l.listener(e);
        } catch {
          // One page's failing handler must not stop the others' updates.
        }
      }
  };
  return {
    live: false,
    follow(connect, retryMs = 3000) {
      const stop = new AbortController();
      const run = async () => {
        while (!stop.signal.aborted) {
          try {
            const api = await connect();
            set({ live: true });
            await api.followEvents(dispatch, stop.signal);
          } catch {
            // Reconnect below; a 401 has already signed the user out (which stops this loop).
          }
          set({ live: false });
          if (stop.signal.aborted) return;
          await new Promise((r) => setTimeout(r, retryMs));
        }
      };
      void run();
      return () => {
        stop.abort();
        set({ live: false });
      };
    },
    subscribe(prefixes, listener) {
      const entry = { prefixes, listener };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
  };
});
