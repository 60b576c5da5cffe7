import type { z, ZodType } from "zod";
import { manageEndpoints } from "./manageEndpoints.gen";

/**
 * Types for calling the management API by route key, e.g. `"PATCH /members/:id"`: path
 * parameters, query and body are typed from the contract schemas the route table uses
 * (manageEndpoints.gen.ts), and the answer is parsed with the route's response schema.
 */
export type ManageEndpoints = typeof manageEndpoints;
export type ManageKey = keyof ManageEndpoints;
type Endpoint<K extends ManageKey> = ManageEndpoints[K];

/** `"/members/:id/keys"` → `"id"`; `"/pools/*id"` → `"id"`. */
type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : P extends `${string}*${infer N}`
      ? N
      : never;

type ParamsArg<K extends ManageKey> = [ParamNames<Endpoint<K>["path"]>] extends [never]
  ? object
  : { params: Record<ParamNames<Endpoint<K>["path"]>, string> };
type QueryArg<K extends ManageKey> =
  Endpoint<K> extends { query: infer Q extends ZodType } ? { query?: z.input<Q> } : object;
type BodyArg<K extends ManageKey> =
  Endpoint<K> extends { body: infer B extends ZodType } ? { body: z.input<B> } : object;

export type ManageArgs<K extends ManageKey> = ParamsArg<K> &
  QueryArg<K> &
  BodyArg<K> & {
    signal?: AbortSignal;
    /** Milliseconds before the call fails with `timeout`. Defaults to the client's. */
    timeoutMs?: number;
  };

export type ManageResult<K extends ManageKey> = Endpoint<K>["response"] extends ZodType
  ? z.output<Endpoint<K>["response"]>
  : never;

/** Arguments are optional only for routes that need none. */
export type ManageCallArgs<K extends ManageKey> = object extends ParamsArg<K> & BodyArg<K>
  ? [args?: ManageArgs<K>]
  : [args: ManageArgs<K>];

/** The URL path and query string of a call, below `/manage/v1`. */
export function manageUrl(
  path: string,
  params: Record<string, string> = {},
  query: Record<string, unknown> = {},
): string {
  const filled = path.replace(/([:*])([A-Za-z_]+)/g, (_m, kind: string, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${path}: missing path parameter ${name}`);
    // A wildcard (`*id`: pool and price ids like `org/model`) keeps its slashes.
    return kind === "*"
      ? value.split("/").map(encodeURIComponent).join("/")
      : encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) search.append(k, String(item));
  }
  const qs = search.toString();
  return `/manage/v1${filled}${qs ? `?${qs}` : ""}`;
}

export { manageEndpoints };
