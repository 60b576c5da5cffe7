/**
 * Copies `text` to the clipboard. The async Clipboard API exists only in secure contexts, and a
 * teammate on the LAN opens the UI over plain http, so the old `execCommand("copy")` on a
 * temporary textarea is the fallback. Resolves true when one of them worked.
 */
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused (e.g. headless, or no user gesture): try the fallback.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
