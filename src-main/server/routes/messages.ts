import type { RequestHandler, Response } from "express";
import type { StartedGeneration } from "../../gateway/Gateway.js";
import { toApiError } from "../../gateway/errors.js";
import {
  inputUsage,
  messageBody,
  messageId,
  stopReason,
  toChatRequest,
  toCountRequest,
  usageBody,
} from "../anthropicFormat.js";
import { fromZodError } from "../errors.js";
import { CountTokensBody, MessagesBody } from "../schemas/anthropic.js";
import { openAnthropicSse } from "../sse.js";
import type { RouteDeps } from "./chatCompletions.js";

/**
 * POST /v1/messages — Anthropic's Messages API over the same pipeline as chat completions
 * (auth, limits, reservation, ledger, settlement); the usage row's endpoint is `messages`.
 */
export function messages(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = MessagesBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const body = parsed.data;
    const chatReq = toChatRequest(body);
    const ctx = deps.context(req, res);
    const gen = await deps.gateway.chat(chatReq, ctx, "messages");
    res.set(gen.headers);
    const id = messageId(ctx.requestId);
    if (!body.stream) return answerMessage(res, gen, id, body.model);
    await streamMessage(res, gen, {
      id,
      model: body.model,
      requestId: ctx.requestId,
      heartbeatS: deps.sseHeartbeatS,
    });
  };
}

/** POST /v1/messages/count_tokens — exact prompt tokens; authenticated, not metered. */
export function countTokens(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = CountTokensBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const ctx = deps.context(req, res);
    const inputTokens = await deps.gateway.countTokens(toCountRequest(parsed.data), ctx);
    res.json({ input_tokens: inputTokens });
  };
}

async function answerMessage(res: Response, gen: StartedGeneration, id: string, model: string) {
  for await (const event of gen.events) {
    if (event.type !== "done") continue;
    const stop = stopReason(event.finishReason, event.stopSequence);
    res.json(messageBody(id, model, event.text, stop, event.usage));
  }
}

/**
 * Streams a started generation as Anthropic SSE: `message_start` (input usage known, output 1 as
 * Anthropic reports it), one text block (`content_block_start`, a `ping`, `content_block_delta`s,
 * `content_block_stop`), `message_delta` with the stop reason and final usage, `message_stop`.
 * `ping` also every heartbeat. A failure after the first byte is an `event: error`.
 */
async function streamMessage(
  res: Response,
  gen: StartedGeneration,
  meta: { id: string; model: string; requestId: string; heartbeatS: number },
): Promise<void> {
  const sse = openAnthropicSse(res, meta.heartbeatS);
  sse.event("message_start", {
    type: "message_start",
    message: {
      id: meta.id,
      type: "message",
      role: "assistant",
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...inputUsage(gen.promptTokens, gen.cachedTokens), output_tokens: 1 },
    },
  });
  sse.event("content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "" },
  });
  sse.ping();
  try {
    for await (const event of gen.events) {
      if (event.type === "delta") {
        sse.event("content_block_delta", {
          type: "content_block_delta",
          index: 0,
          delta: { type: "text_delta", text: event.text },
        });
        continue;
      }
      sse.event("content_block_stop", { type: "content_block_stop", index: 0 });
      sse.event("message_delta", {
        type: "message_delta",
        delta: stopReason(event.finishReason, event.stopSequence),
        // Final and cumulative: a pool's upstream may correct the prompt count made at start.
        usage: usageBody(event.usage),
      });
      sse.event("message_stop", { type: "message_stop" });
    }
    sse.end();
  } catch (err) {
    sse.fail(toApiError(err), meta.requestId);
  }
}
