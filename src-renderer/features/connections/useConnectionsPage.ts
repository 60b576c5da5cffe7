import { useEffect, useState } from "react";
import { useAuthStore } from "../../stores/useAuthStore";
import { useConnectionsStore } from "../../stores/useConnectionsStore";
import { useEventsStore } from "../../stores/useEventsStore";
import { usePoolsStore } from "../../stores/usePoolsStore";
import { coalesce, LIVE_EVENT_PREFIXES, POLL_MS } from "./liveRefresh";

/**
 * Keeps connections, pools, prices (and the open connection's health and usage) fresh while
 * the page is open: on mount, on every event that touches them, and every POLL_MS; forgets them
 * when the page closes (a sign-out closes it), so the next person starts from the server.
 */
export function useLiveConnections(detailId?: string): void {
  useEffect(() => {
    const refresh = coalesce(async () => {
      await Promise.all([
        useConnectionsStore.getState().refresh(),
        usePoolsStore.getState().refresh(),
        detailId ? useConnectionsStore.getState().refreshDetail(detailId) : undefined,
      ]);
    });
    void refresh();
    const off = useEventsStore.getState().subscribe(LIVE_EVENT_PREFIXES, () => void refresh());
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [detailId]);
}

/** Forgets the page's data when it unmounts. */
export function useResetOnLeave(): void {
  useEffect(
    () => () => {
      useConnectionsStore.getState().reset();
      usePoolsStore.getState().reset();
    },
    [],
  );
}

/** Now, in ms since the epoch, moving every `intervalMs` (default 1000): countdowns tick. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Owners and admins change connections and pools; viewers only read (the server agrees). */
export function useCanWrite(): boolean {
  const role = useAuthStore((s) => s.me?.role);
  return role === "owner" || role === "admin";
}
