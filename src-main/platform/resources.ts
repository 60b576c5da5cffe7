import { fileURLToPath } from "node:url";

/**
 * The path of a file under the checkout's (or the packaged app's) `resources/`, e.g.
 * `resourceFile("catalog/prices.json")`. This module runs from `src-main/platform/` under tsx and
 * from `dist/main/platform/` once built: `resources/` is two or three folders up.
 */
export function resourceFile(relative: string): string {
  const up = import.meta.url.endsWith(".ts") ? "../../resources/" : "../../../resources/";
  return fileURLToPath(new URL(up + relative, import.meta.url));
}
