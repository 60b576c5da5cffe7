import { dialog } from "electron";
import type { SwitchFailure } from "./serverSwitches.js";

/**
 * Shows why a tray switch was refused, as a native message box (a tray has no window to show it
 * in, and notifications may be turned off). When the failure names a page that fixes it (the
 * Members page for a LAN without member keys), its button calls `openPage` with the hash route.
 */
export function showSwitchFailure(
  failure: SwitchFailure,
  openPage: (hash: string) => void,
  report: (what: string, err: unknown) => void,
): void {
  const page = failure.page;
  dialog
    .showMessageBox({
      type: "warning",
      title: "Benchtop",
      // macOS shows no title: the message says what failed, the detail why and what to do.
      message: failure.title,
      detail: failure.detail ? `${failure.message}\n\n${failure.detail}` : failure.message,
      buttons: page ? [page.label, "Close"] : ["OK"],
      defaultId: 0,
      cancelId: page ? 1 : 0,
    })
    .then(({ response }) => {
      if (page && response === 0) openPage(page.hash);
    })
    .catch((err: unknown) => report("could not show a message", err));
}
