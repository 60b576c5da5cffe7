import { contentSecurityPolicy } from "./contentSecurityPolicy.js";

/**
 * The one place the shell keeps the API's origin: the window's page, its CSP header, its
 * navigation and permission rules and the IPC sender check all read `current` when they run,
 * so moving the server at run time (`PATCH /manage/v1/server`, or the tray) moves them all at
 * once. Pure (no `electron` import) so it is tested under Node; `main.ts` calls `follow` on
 * every `server.update` event with the core's url, then reloads the window at the new origin.
 */

/**
 * The origin the window loads and calls: the core's own url (loopback even when the server is
 * bound to every interface). A `0.0.0.0` or `[::]` url is reached over loopback instead, which
 * the window's CSP allows (`connect-src` names this origin).
 */
export function rendererBaseUrl(coreUrl: string): string {
  const url = new URL(coreUrl);
  if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = "127.0.0.1";
  return url.origin;
}

/**
 * Where the window goes when the API moved from `from` to `to`: the same page (path, query and
 * hash route, e.g. `#/server/sharing`) on the new origin. A page that was not on the old
 * origin (an error page, `about:blank`) becomes the app's start page.
 */
export function movedPageUrl(pageUrl: string, from: string, to: string): string {
  if (!URL.canParse(pageUrl) || new URL(pageUrl).origin !== new URL(from).origin)
    return new URL("/", to).href;
  const page = new URL(pageUrl);
  return new URL(`${page.pathname}${page.search}${page.hash}`, to).href;
}

/** A move of the API: the origin before and after. */
export interface OriginMove {
  from: string;
  to: string;
}

export class ApiOrigin {
  private origin: string;
  private policy: string;

  /** `coreUrl` is `core.url` once the core listens. */
  constructor(coreUrl: string) {
    this.origin = rendererBaseUrl(coreUrl);
    this.policy = contentSecurityPolicy(this.origin);
  }

  /** The API's origin now, e.g. `http://127.0.0.1:4747`. */
  get current(): string {
    return this.origin;
  }

  /** The Content-Security-Policy for pages from `current` (built once per origin). */
  get contentSecurityPolicy(): string {
    return this.policy;
  }

  /**
   * Takes the core's url after a change. Returns the move when the origin changed (a new port,
   * or a host that is reached differently), `undefined` when it is the same (sharing on the LAN
   * from loopback keeps `127.0.0.1`) or the core is not listening (`undefined`: nothing moves).
   */
  follow(coreUrl: string | undefined): OriginMove | undefined {
    if (!coreUrl) return undefined;
    const to = rendererBaseUrl(coreUrl);
    if (to === this.origin) return undefined;
    const from = this.origin;
    this.origin = to;
    this.policy = contentSecurityPolicy(to);
    return { from, to };
  }
}
