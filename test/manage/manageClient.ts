import type { TestServer } from "../helpers/testServer.js";

/** Response bodies are asserted by value (toEqual), so tests read them without casts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type Json = any;

export interface Reply<T = Json> {
  status: number;
  /** The raw response text: canary scans look at every byte. */
  text: string;
  body: T;
}

export type Auth = { authorization: string } | Record<string, never>;

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Raw fetch against `/manage/v1` (no SDK: the tests assert exact bodies and bytes). */
export async function call<T = Json>(
  t: TestServer,
  auth: Auth,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const res = await fetch(`${t.url}/manage/v1${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed as T };
}

/** Bound helpers for one caller. */
export function client(t: TestServer, auth: Auth) {
  return {
    get: <T = Json>(path: string) => call<T>(t, auth, "GET", path),
    post: <T = Json>(path: string, body: unknown) => call<T>(t, auth, "POST", path, body),
    put: <T = Json>(path: string, body: unknown) => call<T>(t, auth, "PUT", path, body),
    patch: <T = Json>(path: string, body: unknown) => call<T>(t, auth, "PATCH", path, body),
    del: <T = Json>(path: string) => call<T>(t, auth, "DELETE", path),
  };
}

/** Audit rows straight from the table, oldest first. */
export function auditRows(t: TestServer): Record<string, unknown>[] {
  return t.core.db.prepare("SELECT * FROM audit_log ORDER BY seq").all() as Record<
    string,
    unknown
  >[];
}

export const auditCount = (t: TestServer) =>
  (t.core.db.prepare("SELECT count(*) AS n FROM audit_log").get() as { n: number }).n;

/** The 404 every hidden or missing object gets (same bytes whichever it is). */
export const notFoundBody = (kind: string) => ({
  error: {
    message: `No such ${kind}, or you do not have access to it.`,
    type: "invalid_request_error",
    param: null,
    code: "not_found",
  },
});
