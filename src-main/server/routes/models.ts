import type { RequestHandler } from "express";
import type { Gateway } from "../../gateway/Gateway.js";
import type { CallerPrincipal } from "../../gateway/types.js";
import type { ProviderModel } from "../../providers/types.js";

const modelBody = (m: ProviderModel) => ({
  id: m.id,
  object: "model",
  created: m.created,
  owned_by: m.ownedBy,
});

const caller = (locals: Record<string, unknown>) => (locals.principal as CallerPrincipal).memberId;

/** GET /v1/models — only the models the caller may use. */
export function listModels(gateway: Gateway): RequestHandler {
  return async (_req, res) => {
    const models = await gateway.listModels(caller(res.locals));
    res.json({ object: "list", data: models.map(modelBody) });
  };
}

/** GET /v1/models/{id} — ids may contain slashes (`org/model`), so the path is a wildcard. */
export function getModel(gateway: Gateway): RequestHandler {
  return async (req, res) => {
    const raw = (req.params as { id?: string | string[] }).id;
    const id = Array.isArray(raw) ? raw.join("/") : (raw ?? "");
    res.json(modelBody(await gateway.getModel(id, caller(res.locals))));
  };
}
