import {
  BaseUrl,
  DEFAULT_BASE_URLS,
  ExtraHeaders,
  FORBIDDEN_HEADERS,
  MAX_EXTRA_HEADERS,
  type ConnectionDto,
  type ConnectionKind,
  type CreateConnectionBody,
  type PatchConnectionBody,
} from "@contract";
import {
  keyRowProblems,
  keyRowsFor,
  maskedHeaderProblem,
  moveCheck,
  type KeyRow,
} from "./connectionMove";

/**
 * The add/edit connection form as plain data, and its validation. The server's own zod schemas
 * (BaseUrl, ExtraHeaders) decide what is valid, so the form can never accept what the API
 * refuses; this module only maps their verdicts onto fields and rows.
 */

export const KIND_LABELS: Record<ConnectionKind, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  groq: "Groq",
  openrouter: "OpenRouter",
  openai_compatible: "OpenAI-compatible (custom)",
};

export const KIND_ORDER: ConnectionKind[] = [
  "openai",
  "anthropic",
  "groq",
  "openrouter",
  "openai_compatible",
];

/** One row of the extra-headers editor; blank rows are ignored. */
export interface HeaderRow {
  name: string;
  value: string;
}

export interface ConnectionFormValues {
  name: string;
  kind: ConnectionKind;
  baseUrl: string;
  headers: HeaderRow[];
  /** Free text; blank means none. */
  region: string;
  retention: string;
  /** Editing only: the keys entered again when the base URL moves (connectionMove.ts). */
  keys?: KeyRow[];
}

export interface ConnectionFormErrors {
  name?: string;
  baseUrl?: string;
  /** Problems of the header list as a whole (too many). */
  headers?: string;
  /** One entry per row of `values.headers`. */
  headerRows: (string | undefined)[];
  region?: string;
  retention?: string;
  /** The keys entered again on a move: the list as a whole, then one entry per row. */
  keys?: string;
  keyRows?: { label?: string; key?: string }[];
}

/** The base URL a kind starts with: its provider's, or empty for a custom endpoint. */
export const defaultBaseUrl = (kind: ConnectionKind): string => DEFAULT_BASE_URLS[kind] ?? "";

/** A new connection of `kind` (OpenAI by default) with its default base URL. */
export function emptyConnectionForm(kind: ConnectionKind = "openai"): ConnectionFormValues {
  return { name: "", kind, baseUrl: defaultBaseUrl(kind), headers: [], region: "", retention: "" };
}

export function formFromConnection(c: ConnectionDto): ConnectionFormValues {
  return {
    name: c.name,
    kind: c.kind,
    baseUrl: c.base_url,
    headers: Object.entries(c.headers).map(([name, value]) => ({ name, value })),
    region: c.region ?? "",
    retention: c.retention ?? "",
    keys: keyRowsFor(c),
  };
}

/**
 * Switches the kind. A base URL still at the old kind's default (or empty) follows the new
 * kind's default; one the admin typed is kept.
 */
export function withKind(values: ConnectionFormValues, kind: ConnectionKind): ConnectionFormValues {
  const untouched = values.baseUrl.trim() === "" || values.baseUrl === defaultBaseUrl(values.kind);
  return { ...values, kind, baseUrl: untouched ? defaultBaseUrl(kind) : values.baseUrl };
}

/** Why `url` is not a usable base URL, or undefined when it is. */
export function baseUrlProblem(url: string, kind: ConnectionKind): string | undefined {
  const trimmed = url.trim();
  if (trimmed === "")
    return kind === "openai_compatible"
      ? "A custom endpoint needs its base URL, e.g. http://10.0.0.5:8000/v1."
      : "Enter the base URL.";
  const parsed = BaseUrl.safeParse(trimmed);
  return parsed.success ? undefined : `The base URL ${parsed.error.issues[0]!.message}.`;
}

/**
 * The non-blank header rows as the API's `headers` record, with one message per row that is
 * wrong: a missing name, a name or value the server refuses, a forbidden (credential) header, or
 * a name given twice (case-insensitive).
 */
export function parseHeaderRows(rows: HeaderRow[]): {
  headers: Record<string, string>;
  rowErrors: (string | undefined)[];
  listError?: string;
} {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  const rowErrors = rows.map((row): string | undefined => {
    const name = row.name.trim();
    if (name === "" && row.value === "") return undefined;
    if (name === "") return "Give the header a name.";
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.includes(lower))
      return `'${lower}' cannot be set here: provider keys go in the Keys section.`;
    if (seen.has(lower)) return `'${lower}' is given twice.`;
    seen.add(lower);
    const one = ExtraHeaders.safeParse({ [name]: row.value });
    if (!one.success) {
      const issue = one.error.issues[0]!;
      // Zod reports record key problems against the key and value problems against the value.
      const what = issue.code === "invalid_key" ? "The header name" : "The value";
      const nested = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
      const message = nested ?? issue.message;
      return `${what} ${message}.`;
    }
    headers[lower] = row.value;
    return undefined;
  });
  const count = Object.keys(headers).length;
  const listError =
    count > MAX_EXTRA_HEADERS ? `At most ${MAX_EXTRA_HEADERS} extra headers.` : undefined;
  return { headers, rowErrors, listError };
}

/** Whether the form has any error to show. */
export const hasErrors = (e: ConnectionFormErrors): boolean =>
  Boolean(e.name || e.baseUrl || e.headers || e.region || e.retention || e.keys) ||
  e.headerRows.some(Boolean) ||
  (e.keyRows ?? []).some((r) => r.label || r.key);

/**
 * Validates the form; `body` is the API's create body when there is nothing to fix. Editing
 * (`before` given) a base URL that moves the connection also asks for its keys again and for
 * new values of credential headers.
 */
export function validateConnectionForm(
  values: ConnectionFormValues,
  before?: ConnectionDto,
): {
  errors: ConnectionFormErrors;
  body?: CreateConnectionBody;
} {
  const parsed = parseHeaderRows(values.headers);
  const { headers, listError } = parsed;
  const move = moveCheck(before, values.baseUrl);
  const rowErrors = parsed.rowErrors.map(
    (e, i) =>
      e ?? maskedHeaderProblem(values.headers[i]!.name, values.headers[i]!.value, move.moved),
  );
  const keys = move.keysNeeded ? keyRowProblems(values.keys ?? []) : undefined;
  const name = values.name.trim();
  const errors: ConnectionFormErrors = {
    name:
      name === ""
        ? "Name the connection."
        : name.length > 100
          ? "At most 100 characters."
          : undefined,
    baseUrl: baseUrlProblem(values.baseUrl, values.kind),
    headers: listError,
    headerRows: rowErrors,
    region: values.region.trim().length > 100 ? "At most 100 characters." : undefined,
    retention: values.retention.trim().length > 500 ? "At most 500 characters." : undefined,
    ...(keys ? { keys: keys.listError, keyRows: keys.rowErrors } : {}),
  };
  if (hasErrors(errors)) return { errors };
  return {
    errors,
    body: {
      name,
      kind: values.kind,
      base_url: BaseUrl.parse(values.baseUrl.trim()),
      headers,
      region: values.region.trim() || null,
      retention: values.retention.trim() || null,
    },
  };
}

/**
 * The PATCH body for what changed since `before` (the kind cannot change); empty if nothing.
 * A base URL that moves a connection with keys carries `keys` (the rows entered again).
 */
export function patchBody(
  before: ConnectionDto,
  body: CreateConnectionBody,
  keys: KeyRow[] = [],
): PatchConnectionBody {
  const out: PatchConnectionBody = {};
  if (body.base_url !== undefined && moveCheck(before, body.base_url).keysNeeded)
    out.keys = keys.map((k) => ({ label: k.label.trim(), key: k.key }));
  if (body.name !== before.name) out.name = body.name;
  if (body.base_url !== undefined && body.base_url !== before.base_url)
    out.base_url = body.base_url;
  const headers = body.headers ?? {};
  const same =
    Object.keys(headers).length === Object.keys(before.headers).length &&
    Object.entries(headers).every(([k, v]) => before.headers[k] === v);
  if (!same) out.headers = headers;
  if ((body.region ?? null) !== before.region) out.region = body.region ?? null;
  if ((body.retention ?? null) !== before.retention) out.retention = body.retention ?? null;
  return out;
}
