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
  res.status(200).set({
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
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
    await write(csvHeader());
    let cursor: { beforeMs?: number; beforeId?: string } = {};
    for (;;) {
      if (closed()) return;
      const { rows, hasMore } = usage.requests({ ...q, ...cursor, limit: PAGE_ROWS });
      if (rows.length > 0) await write(rows.map(csvLine).join(""));
      const last = rows[rows.length - 1];
      if (!hasMore || !last) break;
      cursor = { beforeMs: last.created_ms, beforeId: last.id };
    }
  } catch (err) {
    // The status line went out with the header, so no error body can follow. Cutting the
    // connection (no final chunk) makes the client see a broken transfer rather than a file that
    // looks complete, and frees it; the error handler still logs `err` (it sends nothing once
    // headers are out).
    res.destroy();
    throw err;
  }
  if (!closed()) res.end();
}
