import {
  MemberBodyRetentionDto,
  PutMemberBodyRetentionBody,
  RequestBodyDto,
  UsageAuditQuery,
  type GuardRecordDto,
  type UsageAuditRecordDto,
} from "../../contract/index.js";
import { BODY_RETENTION_SETTING, effectiveBodyRetention } from "../../audit/bodyRetention.js";
import { invalidRequest } from "../../gateway/errors.js";
import type { Member } from "../../store/membersRepo.js";
import { UsageAudit } from "../../store/usageAudit.js";
import { changeableMember, memberFilter, visibleMember } from "./access.js";
import { forbidden, mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";
import { csvCell, streamChunks } from "./usageCsv.js";

/** Records read from SQLite per step of an export: each step is one short synchronous query. */
const PAGE_ROWS = 1000;

/** The audit export's CSV columns: the JSON record's fields in order, the guard record as two. */
export const AUDIT_CSV_COLUMNS = [
  "id",
  "request_id",
  "attempt",
  "created_ms",
  "created_at",
  "member_id",
  "member_name",
  "key_id",
  "key_name",
  "key_prefix",
  "endpoint",
  "requested_model",
  "route_category",
  "route_classifier",
  "fallback",
  "provider",
  "provider_name",
  "region",
  "retention",
  "served_model",
  "model_version",
  "guard",
  "guard_actions",
  "state",
  "outcome",
  "http_status",
  "error_code",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "cache_write_tokens",
  "session_id",
  "cost_micros",
  "estimated",
  "billing_mode",
  "body_retained",
] as const;

const counts = (m: Record<string, number>) =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k]}`)
    .join(",");

/**
 * The guard record's counts as one compact cell, types sorted: `secrets=aws:1,jwt:2;pii=email:2`
 * (a kind with nothing found is left out; empty when nothing was found or no guard ran).
 */
export function guardCountsCell(g: GuardRecordDto | null): string {
  if (!g) return "";
  const parts: string[] = [];
  if (Object.keys(g.secrets).length > 0) parts.push(`secrets=${counts(g.secrets)}`);
  if (Object.keys(g.pii).length > 0) parts.push(`pii=${counts(g.pii)}`);
  return parts.join(";");
}

/**
 * What the guard step did, as one cell:
 * `secrets_action=redacted;pii_mode=redact;pii_scope=org;pii_action=redacted;restored=0`, with
 * `;kept_local=<from,…>><to>` after keep-local. Empty when no guard ran.
 */
export function guardActionsCell(g: GuardRecordDto | null): string {
  if (!g) return "";
  const parts = [
    `secrets_action=${g.secrets_action}`,
    `pii_mode=${g.pii_mode}`,
    `pii_scope=${g.pii_scope}`,
    `pii_action=${g.pii_action}`,
    `restored=${g.restored}`,
  ];
  if (g.kept_local) parts.push(`kept_local=${g.kept_local.from.join(",")}>${g.kept_local.to}`);
  return parts.join(";");
}

/** One CSV line (with its CRLF) of an audit record; cells made safe by `csvCell`. */
export function auditCsvLine(r: UsageAuditRecordDto): string {
  const cells = AUDIT_CSV_COLUMNS.map((c) => {
    switch (c) {
      case "fallback":
        return csvCell(r.fallback?.join("; ") ?? null);
      case "guard":
        return csvCell(guardCountsCell(r.guard));
      case "guard_actions":
        return csvCell(guardActionsCell(r.guard));
      default:
        return csvCell(r[c]);
    }
  });
  return `${cells.join(",")}\r\n`;
}

/** `benchtop-audit-2026-06-01T120000Z.jsonl`: when the export was taken, in UTC. */
const exportFilename = (now: number, format: "jsonl" | "csv") =>
  `benchtop-audit-${new Date(now).toISOString().slice(0, 19).replaceAll(":", "")}Z.${format}`;

/**
 * Streams the audit records of a period, oldest first, a page at a time (see streamChunks):
 * JSON Lines, or CSV with a header line. Rows admitted after the export began may appear when
 * they fall inside the period (the cursor moves forward); none appears twice.
 */
async function exportAudit(c: Call<UsageAuditQuery>): Promise<void> {
  const q = c.query;
  const startMs = q.from ?? 0;
  const endMs = q.to ?? c.now;
  if (endMs <= startMs) throw invalidRequest("'to' must be after 'from'.", "to");
  // Checked (a member's 404 for another's id) before the first byte is written.
  const memberId = memberFilter(c, q.member_id);
  const audit = new UsageAudit(c.deps.db);
  const csv = q.format === "csv";
  let cursor: { afterMs?: number; afterId?: string } | undefined = {};
  let header = csv;
  await streamChunks(
    c.res,
    {
      "content-type": csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(c.now, q.format)}"`,
    },
    () => {
      if (header) {
        header = false;
        return `${AUDIT_CSV_COLUMNS.join(",")}\r\n`;
      }
      if (!cursor) return null;
      const { rows, hasMore } = audit.page({
        startMs,
        endMs,
        ...(memberId !== undefined ? { memberId } : {}),
        ...cursor,
        limit: PAGE_ROWS,
        nowMs: c.now,
      });
      const last = rows[rows.length - 1];
      cursor = hasMore && last ? { afterMs: last.created_ms, afterId: last.id } : undefined;
      return rows.map((r) => (csv ? auditCsvLine(r) : `${JSON.stringify(r)}\n`)).join("");
    },
  );
}

/** Staff in the sense of body retention: the owner and admins (not viewers). */
const readsEveryBody = (c: Call) => c.principal.role === "owner" || c.principal.role === "admin";

function retentionOf(c: Call, m: Member): MemberBodyRetentionDto {
  const org = c.deps.store.settings.get<number | null>(BODY_RETENTION_SETTING) ?? null;
  return {
    member_id: m.id,
    body_retention_days: m.bodyRetentionDays,
    org_body_retention_days: org,
    effective_days: effectiveBodyRetention(org, m.bodyRetentionDays),
  };
}

/** The audit export, retained bodies, and members' body retention. */
export const usageAuditRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/usage/audit",
    access: "any",
    summary:
      "The per-request audit record of a period (every attempt), as JSON Lines or CSV (members: their own)",
    query: UsageAuditQuery,
    response: "export",
    handle: exportAudit,
  }),
  route({
    method: "get",
    path: "/usage/:id/body",
    access: "any",
    summary:
      "A retained request body and its answer, while body retention keeps it (owner and admins: any; others: their own)",
    response: RequestBodyDto,
    handle: (c): RequestBodyDto => {
      // Another member's body is the same 404 as a missing one: usage ids do not leak.
      const body = c.deps.bodies?.open(
        c.params.id!,
        readsEveryBody(c) ? undefined : c.principal.memberId,
      );
      if (!body) throw notFound("request body");
      return {
        usage_id: body.usageId,
        request_id: body.requestId,
        member_id: body.memberId,
        created_ms: body.createdMs,
        expires_ms: body.expiresMs,
        request: body.request,
        response: body.response,
        request_bytes: body.requestBytes,
        response_bytes: body.responseBytes,
      };
    },
  }),
  route({
    method: "get",
    path: "/members/:id/body-retention",
    access: "any",
    summary: "How long a member's request bodies are kept (members: only their own)",
    response: MemberBodyRetentionDto,
    handle: (c) => retentionOf(c, visibleMember(c, c.params.id!)),
  }),
  route({
    method: "put",
    path: "/members/:id/body-retention",
    access: "admin",
    summary:
      "Set a member's body retention override: null follows the org, 0 never keeps, N days (owner only)",
    body: PutMemberBodyRetentionBody,
    response: MemberBodyRetentionDto,
    handle: (c) => {
      // Keeping a member's prompts and answers is the owner's decision alone.
      if (c.principal.role !== "owner")
        throw forbidden(
          "Only the owner can change a member's body retention.",
          "body_retention_days",
        );
      const target = changeableMember(c, c.params.id!);
      return mutate(
        c,
        {
          action: "member.body_retention",
          targetType: "member",
          targetId: target.id,
          memberId: target.id,
        },
        () => {
          c.deps.memberEdits.setBodyRetention(target.id, c.body.body_retention_days);
          const after = retentionOf(c, c.deps.store.members.get(target.id)!);
          return { before: retentionOf(c, target), after, result: after };
        },
      );
    },
  }),
];
