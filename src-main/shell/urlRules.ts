/**
 * Where the desktop window may go. Pure (no `electron` import) so the rules are tested under
 * Node; `window.ts` applies them to navigation, redirects and `window.open`.
 *
 * The window shows only Benchtop's own origin (the core's HTTP server on loopback). Links to
 * anything else never open inside it: plain `https:` links open in the user's browser, every
 * other scheme (`http:`, `file:`, `javascript:`, `data:`, custom protocols) is dropped.
 */

/** The origin of `url`, or `undefined` when it does not parse or has none (`about:`, `data:`). */
function originOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const origin = new URL(url).origin;
  return origin === "null" ? undefined : origin;
}

/** True when `url` is on exactly `appOrigin` (scheme, host and port). */
export function isAppUrl(url: string, appOrigin: string): boolean {
  const origin = originOf(url);
  return origin !== undefined && origin === originOf(appOrigin);
}

/**
 * The link as it may be handed to the OS browser, or `undefined` when it may not: only
 * `https:` URLs with a host and without user:password (a common disguise, as in
 * `https://benchtop@evil.example`). Returns the normalised URL so what opens is what was checked.
 */
export function externalLink(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" || !parsed.hostname) return undefined;
  if (parsed.username || parsed.password) return undefined;
  return parsed.href;
}

export type NavigationVerdict =
  /** Stay in the window: the app's own origin. */
  | { action: "allow" }
  /** Cancel, and open this (checked, normalised) URL in the default browser. */
  | { action: "open-external"; url: string }
  /** Cancel. */
  | { action: "deny" };

/** What to do when the window's page (or a frame in it) tries to navigate to `url`. */
export function navigationVerdict(url: string, appOrigin: string): NavigationVerdict {
  if (isAppUrl(url, appOrigin)) return { action: "allow" };
  const external = externalLink(url);
  return external ? { action: "open-external", url: external } : { action: "deny" };
}

/**
 * What to do with `window.open` / `target="_blank"`: never a new Electron window, even for the
 * app's own pages (a second window would be a second copy of the UI with its own state).
 */
export function windowOpenVerdict(url: string): NavigationVerdict {
  const external = externalLink(url);
  return external ? { action: "open-external", url: external } : { action: "deny" };
}

/**
 * Web permissions the window's pages may use; every other request or check is denied (camera,
 * microphone, geolocation, notifications — spend alerts are shown by the main process — USB,
 * serial, HID…). Writing to the clipboard is allowed for the app's own origin: the UI copies
 * a newly created API key, which is shown only once.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(["clipboard-sanitized-write"]);

export function isPermissionAllowed(
  permission: string,
  requestingUrl: string,
  appOrigin: string,
): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, appOrigin);
}
