import express from "express";
import type { z } from "zod";
import type { CallerPrincipal } from "../../gateway/types.js";
import { invalidRequest } from "../../gateway/errors.js";
import { fromZodError } from "../errors.js";
import { auditRoutes } from "./audit.js";
import { connectionRoutes } from "./connections.js";
import { conversationRoutes } from "./conversations.js";
import { creditRoutes } from "./credits.js";
import { eventRoutes } from "./events.js";
import { keyRoutes } from "./keys.js";
import { limitRoutes } from "./limits.js";
import { memberRoutes } from "./members.js";
import { modelRoutes } from "./models.js";
import { poolRoutes } from "./pools.js";
import { priceRoutes } from "./prices.js";
import { routingRoutes } from "./routing.js";
import { guardRoutes } from "./guard.js";
import { ACCESS, forbidden, type ManageDeps, type ManageRoute } from "./routeTable.js";
import { serverRoutes } from "./server.js";
import { settingsRoutes } from "./settings.js";
import { usageRoutes } from "./usage.js";
import { usageAuditRoutes } from "./usageAudit.js";

export type { ManageDeps } from "./routeTable.js";

/** Every `/manage/v1` route, in registration order (the OpenAPI document lists the same). */
export const manageRoutes: readonly ManageRoute[] = [
  ...memberRoutes,
  ...keyRoutes,
  ...limitRoutes,
  ...priceRoutes,
  ...creditRoutes,
  ...usageRoutes,
  ...usageAuditRoutes,
  ...auditRoutes,
  ...settingsRoutes,
  ...serverRoutes,
  ...connectionRoutes,
  ...poolRoutes,
  ...routingRoutes,
  ...guardRoutes,
  ...modelRoutes,
  ...conversationRoutes,
  ...eventRoutes,
];

/** A zod failure as a 400; an unknown field is named as OpenAI names one. */
function badInput(error: z.ZodError, input: unknown) {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    // Named as the other 400s name a field: `targets[0].api_key`.
    const path = [...issue.path, issue.keys[0]!].reduce<string>(
      (out, part) =>
        typeof part === "number"
          ? `${out}[${part}]`
          : out
            ? `${out}.${String(part)}`
            : String(part),
      "",
    );
    return invalidRequest(
      `Unrecognized request argument supplied: ${issue.keys.join(", ")}`,
      path,
      "unknown_parameter",
    );
  }
  return fromZodError(error, input);
}

function parse(schema: z.ZodType, input: unknown) {
  const r = schema.safeParse(input);
  if (!r.success) throw badInput(r.error, input);
  return r.data;
}

/**
 * The management API, mounted by createServer at `/manage/v1` after authentication. Each route
 * gets its role guard from the route table before its handler runs: a role outside the route's
 * access is a 403 `permission_error` whatever the ids in the URL.
 */
export function createManageRouter(deps: ManageDeps): express.Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  for (const r of manageRoutes) {
    const roles: readonly string[] = ACCESS[r.access];
    const guard: express.RequestHandler = (_req, res, next) => {
      const principal = res.locals.principal as CallerPrincipal;
      if (!roles.includes(principal.role))
        throw forbidden(
          `Your role (${principal.role}) cannot use ${r.method.toUpperCase()} ${r.path}.`,
        );
      next();
    };
    // Async handlers (upstream calls) are awaited; express 5 sends their rejections to the error
    // handler like synchronous throws.
    const handler: express.RequestHandler = async (req, res) => {
      if (r.body && req.body === undefined)
        throw invalidRequest("A JSON request body is required.", null, "missing_body");
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.params as Record<string, string | string[]>))
        params[k] = Array.isArray(v) ? v.join("/") : v;
      const result: unknown = await r.handle({
        deps,
        principal: res.locals.principal as CallerPrincipal,
        params,
        query: r.query ? parse(r.query, req.query) : {},
        body: r.body ? parse(r.body, req.body) : undefined,
        req,
        res,
        now: now(),
      });
      if (typeof r.response === "string") return; // SSE, CSV or an export: answered itself
      // Parsed on the way out too: a field the contract does not list never leaves.
      res.status(r.status ?? 200).json(r.response.parse(result));
    };
    router[r.method](r.path, guard, handler);
  }
  return router;
}
