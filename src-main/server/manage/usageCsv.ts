import type { Response } from "express";
import type { RequestLogQuery, RequestLogRow, UsageQueries } from "../../store/usageQueries.js";

/**
 * The request log as CSV (RFC 4180): one header line, then one line per usage row, newest
 * first, lines ended by CRLF. The columns are the request log's fields in its JSON order, with
 * `created_at` (ISO 8601, UTC) after `created_ms` for spreadsheets, and `fallback` as its
 * entries joined by `; ` (one cell, no JSON to unpack).
 */
export const CSV_COLUMNS = [
  "id",
  "request_id",
  "attempt",
  "member_id",
  "key_id",
  "endpoint",
  "model",
  "served_model",
  "provider",
  "billing_mode",
  "stream",
  "state",
  "created_ms",
  "created_at",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "cache_write_tokens",
  "cost_micros",
  "reserved_micros",
  "usage_source",
  "estimated",
  "outcome",
  "error_code",
  "http_status",
  "ttft_ms",
  "latency_ms",
  "route_category",
  "route_classifier",
  "route_tokens",
  "fallback",
  "session_id",
] as const;

/** Rows read from SQLite per step: each step is one short synchronous query. */
const PAGE_ROWS = 1000;

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
 * `@`, tab or CR; OWASP's CSV injection advice) gets a leading `'`; numbers and booleans are
 * written as they are (a negative number is data, not a formula). A cell holding `,`, `"`, CR
 * or LF is quoted, its quotes doubled. null is an empty cell.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (with its CRLF) for a request log row. */
export function csvLine(row: RequestLogRow): string {
  const cells = CSV_COLUMNS.map((c) =>
    csvCell(
      c === "created_at"
        ? new Date(row.created_ms).toISOString()
        : c === "fallback"
          ? (row.fallback?.join("; ") ?? null)
          : row[c],
    ),
  );
  return `${cells.join(",")}\r\n`;
}

export const csvHeader = () => `${CSV_COLUMNS.join(",")}\r\n`;

/**
 * Streams every row matching `q` as CSV. Rows are read a page at a time with the log's own
 * keyset cursor, so no SQLite statement stays open while the socket drains (other requests keep
 * writing the ledger meanwhile); rows admitted after the export began are newer than the cursor
 * and never appear. Stops early when the client goes away. A failure after the header (a SQLite
 * error on a later step) cuts the connection: the export is then visibly incomplete.
 */
export async function streamRequestLogCsv(
  res: Response,
  usage: UsageQueries,
  q: Omit<RequestLogQuery, "limit" | "beforeMs" | "beforeId">,
  filename: string,
): Promise<void> {
  let cursor: { beforeMs?: number; beforeId?: string } | undefined = {};
  let header = true;
  await streamChunks(
    res,
    {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
    },
    () => {
      if (header) {
        header = false;
        return csvHeader();
      }
      if (!cursor) return null;
      const { rows, hasMore } = usage.requests({ ...q, ...cursor, limit: PAGE_ROWS });
      const last = rows[rows.length - 1];
      cursor = hasMore && last ? { beforeMs: last.created_ms, beforeId: last.id } : undefined;
      return rows.map(csvLine).join("");
    },
  );
}

/**
 * Writes an export as a 200 with `headers` (plus no-store and nosniff), one chunk per call of
 * `next` until it returns null, waiting for the socket to drain between chunks (a large export
 * is never one string). `next` runs synchronously (one short SQLite query per page), so no
 * statement stays open while the client reads. Stops early when the client goes away. A failure
 * after the first chunk cuts the connection (no final chunk): the client sees a broken transfer
 * rather than a file that looks complete; the error handler still logs the error.
 */
export async function streamChunks(
  res: Response,
  headers: Record<string, string>,
  next: () => string | null,
): Promise<void> {
  res.status(200).set({
    ...headers,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  const closed = () => res.destroyed || res.writableEnded;
  const write = async (chunk: string) => {
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };
  try {
    for (;;) {
      if (closed()) return;
      const chunk = next();
      if (chunk === null) break;
      if (chunk !== "") await write(chunk);
    }
  } catch (err) {
    // The status line went out with the first chunk, so no error body can follow.
    res.destroy();
    throw err;
  }
  if (!closed()) res.end();
}
