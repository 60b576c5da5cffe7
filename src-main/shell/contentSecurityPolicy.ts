/**
 * The Content-Security-Policy the desktop window enforces on Benchtop's own pages. Pure (no
 * `electron` import) so it is tested under Node; `window.ts` sends it as a response header for
 * every response from the app's origin, which also covers pages that carry no `<meta>` policy.
 *
 * - Scripts only from the bundle: no inline script, no `eval` (a chat message rendered as HTML
 *   can never run code).
 * - Styles from the bundle plus inline `<style>`: Mantine injects its CSS variables as `<style>`
 *   tags at run time, so `style-src` needs `'unsafe-inline'` (styles cannot run code).
 * - Network calls only to the page's own origin and the API's origin (the same server today;
 *   named explicitly so a separate API origin keeps working).
 * - Images from the bundle, `data:` and `blob:` (QR codes, charts): no remote images, which a
 *   prompt-injected answer could use to leak the conversation in a URL.
 * - No plugins, frames, forms posting elsewhere, or `<base>` rewriting.
 */
export function contentSecurityPolicy(apiOrigin: string): string {
  const api = new URL(apiOrigin).origin;
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", api],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "media-src": ["'none'"],
    "object-src": ["'none'"],
    "frame-src": ["'none'"],
    "child-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(" ")}`)
    .join("; ");
}

/** Response headers as Electron's `webRequest.onHeadersReceived` passes them. */
export type ResponseHeaders = Record<string, string | string[]>;

/**
 * `headers` with `csp` as the only Content-Security-Policy. A policy the server sent (any
 * capitalisation) is replaced rather than added to, so the window's policy is the one in force
 * (a `<meta>` policy in the page still applies on top: browsers enforce every policy).
 */
export function withContentSecurityPolicy(
  headers: ResponseHeaders | undefined,
  csp: string,
): ResponseHeaders {
  const result: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === "content-security-policy" || lower === "content-security-policy-report-only")
      continue;
    result[name] = value;
  }
  result["Content-Security-Policy"] = [csp];
  return result;
}
