import { useEffect, useState } from "react";

/**
 * For a dialog that is mounted only while open (`{open && <SomeModal … />}`): gives the focus
 * back to what had it before the dialog opened (the button that opened it) when the dialog
 * unmounts. Mantine's Modal returns focus only when its `opened` prop turns false, which never
 * happens to a dialog removed from the tree, so the focus would fall to the page's body.
 */
export function useReturnFocus(): void {
  // Read during the first render: the dialog has not taken the focus yet.
  const [trigger] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );
  useEffect(
    () => () => {
      // After the dialog's own cleanup; only if nothing else took the focus meanwhile.
      setTimeout(() => {
        const now = document.activeElement;
        if (trigger?.isConnected && (now === null || now === document.body))
          trigger.focus({ preventScroll: true });
      }, 0);
    },
    [trigger],
  );
}
