import type { Request, RequestHandler, Response } from "express";
import type { Gateway, StartedGeneration } from "../../gateway/Gateway.js";
import { invalidRequest } from "../../gateway/errors.js";
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
    if (body.tools && body.tools.length > 0) {
      throw invalidRequest(
        "Tool calling is not supported by local models yet.",
        "tools",
        "unsupported_parameter",
      );
    }
    const sampling: Sampling = {
      ...toSampling(body, body.max_completion_tokens ?? body.max_tokens ?? undefined),
      grammar: toGrammar(body.response_format),
    };
    const chatReq: ChatRequest = {
      model: body.model,
      stream: body.stream === true,
      messages: toMessages(body.messages),
      sampling,
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

/** OpenAI messages → plain-text messages; parts joined, `developer` is a system message. */
function toMessages(messages: ChatMessage[]): ChatRequest["messages"] {
  return messages.map((m, i) => {
    if (m.role === "tool") {
      throw invalidRequest(
        "Tool messages are not supported by local models yet.",
        `messages[${i}].role`,
      );
    }
    const content = m.content ?? "";
    let text: string;
    if (typeof content === "string") text = content;
    else {
      const image = content.findIndex((p) => p.type === "image_url");
      if (image >= 0) {
        throw invalidRequest(
          "Image inputs are not supported by this model.",
          `messages[${i}].content[${image}]`,
          "unsupported_content",
        );
      }
      text = content.map((p) => (p.type === "text" ? p.text : "")).join("");
    }
    return { role: m.role === "developer" ? "system" : m.role, content: text };
  });
}
