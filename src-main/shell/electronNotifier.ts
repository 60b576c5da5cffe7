import { Notification } from "electron";
import type { Notifier } from "../platform/types.js";

/**
 * `Notifier` over Electron's main-process `Notification` (the window's pages have no
 * notification permission: see urlRules.ts). Clicking a notification calls `onClick` (the shell
 * shows the window). Where the OS cannot show notifications, `notify` does nothing.
 */
export function electronNotifier(onClick: () => void, report: (err: unknown) => void): Notifier {
  // Kept until closed: a Notification that is garbage-collected loses its click handler.
  const shown = new Set<Notification>();
  return {
    notify({ title, body }) {
      try {
        if (!Notification.isSupported()) return;
        const notification = new Notification({ title, body });
        shown.add(notification);
        notification.on("click", onClick);
        notification.on("close", () => shown.delete(notification));
        notification.on("failed", (_event, error) => {
          shown.delete(notification);
          report(error);
        });
        notification.show();
      } catch (err) {
        // A notification must never break what emitted the event (a settlement).
        report(err);
      }
    },
  };
}
