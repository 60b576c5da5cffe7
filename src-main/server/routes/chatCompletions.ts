import type { Request, RequestHandler, Response } from "express";
import type { Gateway, StartedGeneration } from "../../gateway/Gateway.js";
import type { ChatRequest, RequestContext, Sampling } from "../../gateway/types.js";
import { fromZodError } from "../errors.js";
import { openAiConversation } from "../openaiChatRequest.js";
import {
  chatFinishReason,
  nowSeconds,
  responseId,
  SYSTEM_FINGERPRINT,
  toolCallDelta,
  toolCallsBody,
  usageBody,
} from "../openaiFormat.js";
import { ChatCompletionBody } from "../schemas/openai.js";
import { openSse } from "../sse.js";
import { streamGeneration, type ChunkFormat } from "../streamGeneration.js";
import { waitingRoom } from "../waitingRoom.js";
import { toGrammar, toSampling } from "./sampling.js";

export interface RouteDeps {
  gateway: Gateway;
  context: (req: Request, res: Response) => RequestContext;
  sseHeartbeatS: number;
}

/** The waiting room of an OpenAI-style stream (chat and text completions). */
export function openAiWaitingRoom(
  ctx: RequestContext,
  res: Response,
  stream: boolean,
  deps: RouteDeps,
  model: string,
) {
  return waitingRoom(
    ctx,
    stream,
    () => openSse(res, deps.sseHeartbeatS),
    (sse, err) => sse.fail(err),
    model,
  );
}

/** POST /v1/chat/completions */
export function chatCompletions(deps: RouteDeps): RequestHandler {
  return async (req, res) => {
    const parsed = ChatCompletionBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const body = parsed.data;
    const sampling: Sampling = {
      ...toSampling(body, body.max_completion_tokens ?? body.max_tokens ?? undefined),
      grammar: toGrammar(body.response_format),
    };
    const chatReq: ChatRequest = {
      model: body.model,
      stream: body.stream === true,
      ...openAiConversation(body),
      sampling,
      body: body as Record<string, unknown>,
    };
    const ctx = deps.context(req, res);
    const room = openAiWaitingRoom(ctx, res, body.stream === true, deps, body.model);
    const gen = await room.start(() => deps.gateway.chat(chatReq, ctx));
    if (!gen) return;
    const id = responseId("chatcmpl", ctx.requestId);
    if (!body.stream) return answerChat(res, gen, id, body.model);
    const includeUsage = body.stream_options?.include_usage === true;
    const meta = { id, model: body.model, includeUsage, heartbeatS: deps.sseHeartbeatS };
    await streamGeneration(res, gen, meta, CHAT_CHUNKS, room.stream());
  };
}

async function answerChat(res: Response, gen: StartedGeneration, id: string, model: string) {
  for await (const event of gen.events) {
    if (event.type !== "done") continue;
    const calls = event.toolCalls ?? [];
    sendJson(res, {
      id,
      object: "chat.completion",
      created: nowSeconds(),
      model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            // OpenAI's content is null when the answer is only tool calls.
            content: event.text === "" && calls.length > 0 ? null : event.text,
            refusal: null,
            ...(calls.length > 0 ? { tool_calls: toolCallsBody(calls) } : {}),
          },
          // An upstream's logprobs when the client asked for them (pools); else null.
          logprobs: event.logprobs ? { content: event.logprobs, refusal: null } : null,
          finish_reason: chatFinishReason(event),
        },
      ],
      usage: usageBody(event.usage),
    });
  }
}

/**
 * `res.json` without express's send path (content negotiation, freshness, etag: none apply to
 * this POST's answer): the same bytes and headers, written at once.
 */
function sendJson(res: Response, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

const choice = (delta: object, finish: string | null = null, logprobs?: unknown[]) => ({
  index: 0,
  delta,
  logprobs: logprobs ? { content: logprobs, refusal: null } : null,
  finish_reason: finish,
});

const CHAT_CHUNKS: ChunkFormat = {
  object: "chat.completion.chunk",
  opening: [choice({ role: "assistant", content: "", refusal: null })],
  delta: (text, logprobs) => choice({ content: text }, null, logprobs),
  toolCall: (event) => choice({ tool_calls: [toolCallDelta(event)] }),
  finish: (reason) => choice({}, reason),
};
