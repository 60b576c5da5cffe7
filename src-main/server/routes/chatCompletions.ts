import type { Request, RequestHandler, Response } from "express";
import type { Gateway, StartedGeneration } from "../../gateway/Gateway.js";
import type { ChatRequest, RequestContext, Sampling } from "../../gateway/types.js";
import { fromZodError } from "../errors.js";
import {
  finishReason,
  nowSeconds,
  responseId,
  SYSTEM_FINGERPRINT,
  usageBody,
} from "../openaiFormat.js";
import { ChatCompletionBody, type ChatMessage } from "../schemas/openai.js";
import { streamGeneration, type ChunkFormat } from "../streamGeneration.js";
import { toGrammar, toSampling } from "./sampling.js";

export interface RouteDeps {
  gateway: Gateway;
  context: (req: Request, res: Response) => RequestContext;
  sseHeartbeatS: number;
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
      ...toMessages(body.messages, (body.tools?.length ?? 0) > 0),
      sampling,
      body: body as Record<string, unknown>,
    };
    const ctx = deps.context(req, res);
    const gen = await deps.gateway.chat(chatReq, ctx);
    res.set(gen.headers);
    const id = responseId("chatcmpl", ctx.requestId);
    if (!body.stream) return answerChat(res, gen, id, body.model);
    const includeUsage = body.stream_options?.include_usage === true;
    const meta = { id, model: body.model, includeUsage, heartbeatS: deps.sseHeartbeatS };
    await streamGeneration(res, gen, meta, CHAT_CHUNKS);
  };
}

async function answerChat(res: Response, gen: StartedGeneration, id: string, model: string) {
  for await (const event of gen.events) {
    if (event.type !== "done") continue;
    res.json({
      id,
      object: "chat.completion",
      created: nowSeconds(),
      model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: event.text, refusal: null },
          logprobs: null,
          finish_reason: finishReason(event.finishReason),
        },
      ],
      usage: usageBody(event.usage),
    });
  }
}

const choice = (delta: object, finish: string | null = null) => ({
  index: 0,
  delta,
  logprobs: null,
  finish_reason: finish,
});

const CHAT_CHUNKS: ChunkFormat = {
  object: "chat.completion.chunk",
  opening: [choice({ role: "assistant", content: "", refusal: null })],
  delta: (text) => choice({ content: text }),
  finish: (reason) => choice({}, reason),
};

/**
 * OpenAI messages → plain-text messages for local models; parts are joined and `developer` is a
 * system message. What a local model cannot take (tools, tool messages, images) is noted, not
 * refused here: a remote pool may serve the same request from `body`.
 */
function toMessages(
  messages: ChatMessage[],
  hasTools: boolean,
): Pick<ChatRequest, "messages" | "unsupportedLocally"> {
  let unsupported: ChatRequest["unsupportedLocally"] = hasTools
    ? {
        message: "Tool calling is not supported by local models yet.",
        param: "tools",
        code: "unsupported_parameter",
      }
    : undefined;
  const out: ChatRequest["messages"] = [];
  messages.forEach((m, i) => {
    if (m.role === "tool") {
      unsupported ??= {
        message: "Tool messages are not supported by local models yet.",
        param: `messages[${i}].role`,
        code: "invalid_value",
      };
      return;
    }
    const content = m.content ?? "";
    let text: string;
    if (typeof content === "string") text = content;
    else {
      const image = content.findIndex((p) => p.type === "image_url");
      if (image >= 0)
        unsupported ??= {
          message: "Image inputs are not supported by this model.",
          param: `messages[${i}].content[${image}]`,
          code: "unsupported_content",
        };
      text = content.map((p) => (p.type === "text" ? p.text : "")).join("");
    }
    out.push({ role: m.role === "developer" ? "system" : m.role, content: text });
  });
  return { messages: out, ...(unsupported ? { unsupportedLocally: unsupported } : {}) };
}
