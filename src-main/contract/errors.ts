import { z } from "zod";

/** The body of every error response under `/v1` (OpenAI's shape). */
export const ErrorDto = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullish(),
    code: z.string().nullish(),
  }),
});
export type ErrorDto = z.infer<typeof ErrorDto>;
