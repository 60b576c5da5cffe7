import type { Request, RequestHandler, Response } from "express";
import type { StartedGeneration } from "../../gateway/Gateway.js";
import { messageBody, messageId, stopReason } from "../anthropicFormat.js";
import { toChatRequest, toCountRequest } from "../anthropicRequest.js";
import { streamMessage } from "../anthropicStream.js";
import { fromZodError } from "../errors.js";
import { openAnthropicSse } from "../sse.js";
import { waitingRoom } from "../waitingRoom.js";
import { CountTokensBody, MessagesBody } from "../schemas/anthropic.js";
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
    const chatReq = { ...toChatRequest(body), ...passThrough(req, body) };
    const ctx = deps.context(req, res);
    const room = waitingRoom(
      ctx,
      body.stream === true,
      () => openAnthropicSse(res, deps.sseHeartbeatS),
      (sse, err) => sse.fail(err, ctx.requestId),
      body.model,
    );
    const gen = await room.start(() => deps.gateway.chat(chatReq, ctx, "messages"));
    if (!gen) return;
    const id = messageId(ctx.requestId);
    if (!body.stream) return answerMessage(res, gen, id, body.model);
    await streamMessage(
      res,
      gen,
      {
        id,
        model: body.model,
        requestId: ctx.requestId,
        heartbeatS: deps.sseHeartbeatS,
        tools: (chatReq.conversation?.tools.length ?? 0) > 0,
        thinking: thinkingAsked(body.thinking),
      },
      room.stream(),
    );
  };
}

/** POST /v1/messages/count_tokens — exact prompt tokens; authenticated, not metered. */
export function countTokens(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = CountTokensBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const ctx = deps.context(req, res);
    const inputTokens = await deps.gateway.countTokens(
      { ...toCountRequest(parsed.data), ...passThrough(req, parsed.data) },
      ctx,
    );
    res.json({ input_tokens: inputTokens });
  };
}

/** `thinking: { type: "enabled" | "adaptive", … }`; absent or `disabled`: no thinking. */
function thinkingAsked(thinking: unknown): boolean {
  if (typeof thinking !== "object" || thinking === null) return false;
  return (thinking as { type?: unknown }).type !== "disabled";
}

/**
 * What an Anthropic upstream is given as the client wrote it (same-family pass-through): the
 * validated body, and the `anthropic-beta` / `anthropic-version` headers (each bounded to 1 KiB:
 * they are short lists of names).
 */
function passThrough(req: Request, body: Record<string, unknown>) {
  const beta = req.get("anthropic-beta")?.trim().slice(0, 1024);
  const version = req.get("anthropic-version")?.trim().slice(0, 1024);
  return {
    anthropicBody: body,
    ...(beta || version
      ? { anthropicHeaders: { ...(beta ? { beta } : {}), ...(version ? { version } : {}) } }
      : {}),
  };
}

async function answerMessage(res: Response, gen: StartedGeneration, id: string, model: string) {
  for await (const event of gen.events) {
    if (event.type !== "done") continue;
    res.json(
      messageBody(
        id,
        model,
        event.text,
        stopReason(event),
        event.usage,
        event.toolCalls ?? [],
        event.thinking ?? [],
      ),
    );
  }
}
