import {
  AlertListDto,
  AlertsQuery,
  AuditPageDto,
  AuditQuery,
  AuditVerifyDto,
} from "../../contract/index.js";
import { memberFilter } from "./access.js";
import { alertDto, auditDto } from "./dto.js";
import { route, type ManageRoute } from "./routeTable.js";

/** Spend alerts (members: their own) and the admin audit trail (staff only). */
export const auditRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/alerts",
    access: "any",
    summary: "Spend alerts, newest first (members: their own; org alerts to staff only)",
    query: AlertsQuery,
    response: AlertListDto,
    handle: (c) => {
      const memberId = memberFilter(c, c.query.member_id);
      const alerts = c.deps.store.alerts.list({ memberId, limit: c.query.limit });
      return { object: "list", data: alerts.map(alertDto) };
    },
  }),
  route({
    method: "get",
    path: "/audit",
    access: "staff",
    summary: "Admin actions, newest first; page with before_seq",
    query: AuditQuery,
    response: AuditPageDto,
    handle: (c) => {
      const { limit, before_seq } = c.query;
      const rows = c.deps.audit.list({ limit: limit + 1, beforeSeq: before_seq });
      return {
        object: "list",
        data: rows.slice(0, limit).map(auditDto),
        has_more: rows.length > limit,
      };
    },
  }),
  route({
    method: "get",
    path: "/audit/verify",
    access: "staff",
    summary: "Walk the audit hash chain and report the first row that does not verify",
    response: AuditVerifyDto,
    handle: (c) => {
      const v = c.deps.audit.verify();
      return { ok: v.ok, rows: v.rows, first_bad_seq: v.firstBadSeq };
    },
  }),
];
