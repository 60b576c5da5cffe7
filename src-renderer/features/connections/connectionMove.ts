import {
  BaseUrl,
  isCredentialHeader,
  isMaskedHeaderValue,
  MAX_REENTERED_KEYS,
  type ConnectionDto,
} from "@contract";

/**
 * Editing a connection's base URL moves it: the server never sends stored keys or credential
 * headers to a new address, so the same save must carry the keys again (409 keys_required
 * otherwise) and new values for credential headers (409 credential_headers_required). This
 * module decides what the form asks for; the server has the last word.
 */

/** One provider key entered again while moving a connection. */
export interface KeyRow {
  label: string;
  key: string;
}

export interface MoveCheck {
  /** The base URL (normalized as the server does) differs from the stored one. */
  moved: boolean;
  /** Moved while the connection has keys: they must be entered again. */
  keysNeeded: boolean;
  /** Where the secrets would go, `host[:port]`, when moved. */
  toHost?: string;
}

/** Whether `baseUrl` moves `before` (a URL the server would refuse moves nothing yet). */
export function moveCheck(before: ConnectionDto | undefined, baseUrl: string): MoveCheck {
  const parsed = BaseUrl.safeParse(baseUrl.trim());
  if (!before || !parsed.success || parsed.data === before.base_url)
    return { moved: false, keysNeeded: false };
  return {
    moved: true,
    keysNeeded: before.keys.some((k) => k.status !== "deleted"),
    toHost: new URL(parsed.data).host,
  };
}

/** The rows to start from: one per stored key, its label kept, its key to be typed. */
export const keyRowsFor = (before: ConnectionDto): KeyRow[] =>
  before.keys.filter((k) => k.status !== "deleted").map((k) => ({ label: k.label, key: "" }));

/** Why a credential header row cannot be kept on a move (its value is the stored one's mask). */
export function maskedHeaderProblem(name: string, value: string, moved: boolean) {
  if (!moved || !isCredentialHeader(name.trim()) || !isMaskedHeaderValue(value)) return undefined;
  return "Enter this value again: a stored credential is not sent to a new address. Or remove the header.";
}

/** Messages for the keys entered again: per row, and for the list as a whole. */
export function keyRowProblems(rows: KeyRow[]): {
  rowErrors: { label?: string; key?: string }[];
  listError?: string;
} {
  const rowErrors = rows.map((r) => ({
    label: r.label.trim() === "" ? "Name the key." : undefined,
    key:
      r.key === ""
        ? "Enter the key again."
        : /^[\x21-\x7e]+$/.test(r.key)
          ? undefined
          : "Keys are visible ASCII without spaces.",
  }));
  const listError =
    rows.length === 0
      ? "Enter at least one key: the stored ones are not sent to the new address."
      : rows.length > MAX_REENTERED_KEYS
        ? `At most ${MAX_REENTERED_KEYS} keys.`
        : undefined;
  return { rowErrors, listError };
}
