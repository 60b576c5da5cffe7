import type { RequestHandler } from "express";
import { invalidRequest } from "../../gateway/errors.js";
import { fromZodError } from "../errors.js";
import { EmbeddingsBody } from "../schemas/openai.js";
import type { RouteDeps } from "./chatCompletions.js";

/** POST /v1/embeddings — `float` arrays or `base64` little-endian float32 (the openai SDK's default). */
export function embeddings(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = EmbeddingsBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const body = parsed.data;
    const inputs: (string | number[])[] =
      typeof body.input === "string"
        ? [body.input]
        : typeof body.input[0] === "number"
          ? [body.input as number[]]
          : (body.input as (string | number[])[]);
    const ctx = deps.context(req, res);
    const { vectors, promptTokens, headers } = await deps.gateway.embed(
      { model: body.model, inputs },
      ctx,
    );
    res.set(headers);
    const dims = vectors[0]?.length ?? 0;
    if (body.dimensions !== undefined && body.dimensions !== dims) {
      throw invalidRequest(
        `This model produces ${dims}-dimensional embeddings; 'dimensions' must be omitted or ${dims}.`,
        "dimensions",
      );
    }
    const base64 = body.encoding_format === "base64";
    res.json({
      object: "list",
      data: vectors.map((v, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v,
      })),
      model: body.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  };
}
