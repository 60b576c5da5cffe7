import type { RequestHandler, Response } from "express";
import type { StartedGeneration } from "../../gateway/Gateway.js";
import { ApiError, invalidRequest } from "../../gateway/errors.js";
import { fromZodError } from "../errors.js";
import {
  finishReason,
  nowSeconds,
  responseId,
  SYSTEM_FINGERPRINT,
  usageBody,
} from "../openaiFormat.js";
import { CompletionBody } from "../schemas/openai.js";
import { openSse } from "../sse.js";
import type { RouteDeps } from "./chatCompletions.js";
import { toSampling } from "./sampling.js";

/** OpenAI's default `max_tokens` for legacy completions. */
const DEFAULT_MAX_TOKENS = 16;

/** POST /v1/completions (legacy text completion; editor autocomplete still uses it). */
export function completions(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = CompletionBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const body = parsed.data;
    const prompt =
      Array.isArray(body.prompt) && typeof body.prompt[0] === "string"
        ? body.prompt[0]
        : body.prompt;
    const echo = body.echo === true;
    if (echo && typeof prompt !== "string") {
      throw invalidRequest(
        "echo is supported only with a text prompt.",
        "echo",
        "unsupported_parameter",
      );
    }
    const ctx = deps.context(req, res);
    const gen = await deps.gateway.complete(
      {
        model: body.model,
        prompt: prompt as string | number[],
        sampling: toSampling(body, body.max_tokens ?? DEFAULT_MAX_TOKENS),
      },
      ctx,
    );
    const id = responseId("cmpl", ctx.requestId);
    const prefix = echo ? (prompt as string) : "";
    if (body.stream) {
      await streamCompletion(
        res,
        gen,
        id,
        body.model,
        prefix,
        body.stream_options?.include_usage === true,
        deps,
      );
      return;
    }
    for await (const event of gen.events) {
      if (event.type !== "done") continue;
      res.json({
        id,
        object: "text_completion",
        created: nowSeconds(),
        model: body.model,
        system_fingerprint: SYSTEM_FINGERPRINT,
        choices: [
          {
            text: prefix + event.text,
            index: 0,
            logprobs: null,
            finish_reason: finishReason(event.finishReason),
          },
        ],
        usage: usageBody(event.usage),
      });
    }
  };
}

async function streamCompletion(
  res: Response,
  gen: StartedGeneration,
  id: string,
  model: string,
  prefix: string,
  includeUsage: boolean,
  deps: RouteDeps,
) {
  const created = nowSeconds();
  const sse = openSse(res, deps.sseHeartbeatS);
  const chunk = (choices: unknown[], usage?: unknown) => ({
    id,
    object: "text_completion",
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const choice = (text: string, finish: string | null = null) => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finish,
  });
  if (prefix) sse.send(chunk([choice(prefix)]));
  try {
    for await (const event of gen.events) {
      if (event.type === "delta") sse.send(chunk([choice(event.text)]));
      else {
        sse.send(chunk([choice("", finishReason(event.finishReason))]));
        if (includeUsage) sse.send(chunk([], usageBody(event.usage)));
      }
    }
    sse.done();
  } catch (err) {
    sse.fail(
      err instanceof ApiError ? err : new ApiError(500, "server_error", "Generation failed."),
    );
  }
}
