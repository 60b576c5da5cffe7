import { z } from "zod";

/** One entry of `GET /v1/models`, exactly as OpenAI's API shapes it. */
export const ModelDto = z.object({
  /** The name clients pass as `model`. May contain slashes (`org/model`). */
  id: z.string().min(1),
  object: z.literal("model"),
  /** Unix seconds. */
  created: z.number().int(),
  /** `benchtop` for local GGUF models; the provider's name for remote ones. */
  owned_by: z.string(),
});
export type ModelDto = z.infer<typeof ModelDto>;

/** Body of `GET /v1/models` (OpenAI's list envelope). */
export const ModelListDto = z.object({
  object: z.literal("list"),
  data: z.array(ModelDto),
});
export type ModelListDto = z.infer<typeof ModelListDto>;
