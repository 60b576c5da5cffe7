import type { RequestHandler } from "express";
import type { Gateway } from "../../gateway/Gateway.js";
import type { ProviderModel } from "../../providers/types.js";

const modelBody = (m: ProviderModel) => ({
  id: m.id,
  object: "model",
  created: m.created,
  owned_by: m.ownedBy,
});

/** GET /v1/models */
export function listModels(gateway: Gateway): RequestHandler {
  return async (_req, res) => {
    res.json({ object: "list", data: (await gateway.listModels()).map(modelBody) });
  };
}

/** GET /v1/models/{id} — ids may contain slashes (`org/model`), so the path is a wildcard. */
export function getModel(gateway: Gateway): RequestHandler {
  return async (req, res) => {
    const raw = (req.params as { id?: string | string[] }).id;
    const id = Array.isArray(raw) ? raw.join("/") : (raw ?? "");
    res.json(modelBody(await gateway.getModel(id)));
  };
}
