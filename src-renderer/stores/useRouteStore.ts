import { create } from "zustand";

/**
 * Which page is shown, kept in the URL hash (`#/members/mem_1`) so reload, back/forward and
 * links work the same in Electron and in a browser, with no server-side routes.
 */
export interface RouteState {
  /** The page id, e.g. `members`; empty for the default page. */
  page: string;
  /** What follows the page id, e.g. `["mem_1"]`. */
  rest: string[];
  navigate(path: string): void;
}

export function parseHash(hash: string): { page: string; rest: string[] } {
  const parts = hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { page: parts[0] ?? "", rest: parts.slice(1) };
}

export const useRouteStore = create<RouteState>()((set) => {
  const initial = typeof window === "undefined" ? "" : window.location.hash;
  if (typeof window !== "undefined")
    window.addEventListener("hashchange", () => set(parseHash(window.location.hash)));
  return {
    ...parseHash(initial),
    navigate(path) {
      const hash = `#/${path.replace(/^\/+/, "")}`;
      if (window.location.hash !== hash) window.location.hash = hash;
      else set(parseHash(hash));
    },
  };
});
