/**
 * Hands `blob` to the browser as a download named `filename`, through a short-lived object URL:
 * the file was fetched with the signed-in key in a header, so no URL ever carries the key.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled (revoking at once can cancel the download).
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
