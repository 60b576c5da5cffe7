import type { RequestHandler } from "express";
import { invalidRequest } from "../../gateway/errors.js";
import { fromZodError } from "../errors.js";
import {
  finishReason,
  nowSeconds,
  responseId,
  SYSTEM_FINGERPRINT,
  usageBody,
} from "../openaiFormat.js";
import { CompletionBody } from "../schemas/openai.js";
import { streamGeneration, type ChunkFormat } from "../streamGeneration.js";
import { openAiWaitingRoom, type RouteDeps } from "./chatCompletions.js";
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
    // Text completions are served by local models only, and the engine does not report token
    // probabilities yet: refused, not answered with `logprobs: null`.
    const logprobs = (body as { logprobs?: unknown }).logprobs;
    if (typeof logprobs === "number" && logprobs > 0)
      throw invalidRequest(
        "logprobs are not available from local models.",
        "logprobs",
        "unsupported_parameter",
      );
    const ctx = deps.context(req, res);
    const room = openAiWaitingRoom(ctx, res, body.stream === true, deps, body.model);
    const gen = await room.start(() =>
      deps.gateway.complete(
        {
          model: body.model,
          stream: body.stream === true,
          prompt: prompt as string | number[],
          sampling: toSampling(body, body.max_tokens ?? DEFAULT_MAX_TOKENS),
        },
        ctx,
      ),
    );
    if (!gen) return;
    const id = responseId("cmpl", ctx.requestId);
    const prefix = echo ? (prompt as string) : "";
    if (body.stream) {
      const includeUsage = body.stream_options?.include_usage === true;
      const meta = { id, model: body.model, includeUsage, heartbeatS: deps.sseHeartbeatS };
      await streamGeneration(res, gen, meta, completionChunks(prefix), room.stream());
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

const choice = (text: string, finish: string | null = null) => ({
  text,
  index: 0,
  logprobs: null,
  finish_reason: finish,
});

/** Legacy completion chunks; an echoed prompt goes out as the first chunk's text. */
const completionChunks = (prefix: string): ChunkFormat => ({
  object: "text_completion",
  opening: prefix ? [choice(prefix)] : [],
  delta: (text) => choice(text),
  finish: (reason) => choice("", reason),
});
