import type { RequestHandler } from "express";

/**
 * Sent on every response, API and UI alike (and on the raw answers of connectionGuard.ts):
 * - `nosniff`: a browser never runs a JSON answer or an uploaded-looking body as script or HTML;
 * - `DENY`: no page may frame Benchtop (clickjacking the UI: revoking keys, changing limits);
 *   the header CSP's `frame-ancestors 'none'` says the same to browsers that prefer it;
 * - `no-referrer`: URLs of the UI (ids, filters) never leak to another site.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/**
 * The policy used when the UI's page carries no `<meta>` policy of its own (tests, a custom
 * build): the same as the one in `src-renderer/index.html`.
 */
export const DEFAULT_UI_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self' http://127.0.0.1:* http://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'";

/**
 * The Content-Security-Policy header for the UI's page: the page's own `<meta>` policy (one
 * source of truth, read from the built `index.html`) plus `frame-ancestors 'none'`, which
 * browsers ignore in a `<meta>` and honour only in a header.
 */
export function uiContentSecurityPolicy(indexHtml: string): string {
  const meta =
    /<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(?:"([^"]*)"|'([^']*)')/i.exec(
      indexHtml,
    );
  const policy = (meta?.[1] ?? meta?.[2] ?? DEFAULT_UI_POLICY).trim().replace(/;\s*$/, "");
  const directives = policy.split(/\s*;\s*/).filter((d) => !/^frame-ancestors\b/i.test(d));
  return [...directives, "frame-ancestors 'none'"].join("; ");
}

/** The policy of every response that is not the UI's page: it may load and be framed by nothing. */
export const NON_UI_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Mounted first: the security headers, a CSP that forbids everything (the UI's page and its
 * assets replace or drop it: see createServer), and `Cache-Control: no-store`, since API answers
 * carry keys (a new key's one showing) and personal data (usage, members) that no browser or
 * proxy cache may keep. Static assets drop `no-store` where they are served (hashed names: they
 * may be cached).
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader("content-security-policy", NON_UI_POLICY);
  res.setHeader("cache-control", "no-store");
  next();
};
