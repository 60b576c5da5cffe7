import type { RequestHandler, Response } from "express";
import type { StartedGeneration } from "../../gateway/Gateway.js";
import { ApiError, invalidRequest } from "../../gateway/errors.js";
import type { CallerPrincipal } from "../../gateway/types.js";
import { fromZodError } from "../errors.js";
import type { RouteDeps } from "../routes/chatCompletions.js";
import { ResponsesBody } from "../schemas/responses.js";
import { openEventSse } from "../sse.js";
import { waitingRoom } from "../waitingRoom.js";
import {
  finishStatus,
  outputItems,
  responseObject,
  responseObjectId,
  type OutputItem,
  type ResponseEcho,
  type ResponseObject,
} from "./format.js";
import { toResponsesRequest, type HistoryItem } from "./request.js";
import type { ResponseStore } from "./responseStore.js";
import { ResponseEvents, streamResponse } from "./stream.js";

export interface ResponsesDeps extends RouteDeps {
  /** Stored responses (absent: `store` is refused and `previous_response_id` finds nothing). */
  store?: ResponseStore;
}

/** One 404 for missing, expired, deleted and another member's responses alike. */
const responseNotFound = (id: string, param: string | null = null) =>
  new ApiError(
    404,
    "invalid_request_error",
    `Response with id '${id}' not found.`,
    "response_not_found",
    param,
  );

const caller = (res: Response) => (res.locals.principal as CallerPrincipal).memberId;

/**
 * POST /v1/responses — OpenAI's Responses API over the same pipeline as chat completions
 * (routing, guard, limits, reservation, failover, ledger); the usage row's endpoint is
 * `responses`. A stored response (`store`, true by default) can be continued with
 * `previous_response_id` by the member who made it.
 */
export function createResponse(deps: ResponsesDeps): RequestHandler {
  return async (req, res) => {
    const parsed = ResponsesBody.safeParse(req.body);
    if (!parsed.success) throw fromZodError(parsed.error, req.body);
    const body = parsed.data;
    const memberId = caller(res);
    const store = body.store !== false;
    if (store && !deps.store)
      throw invalidRequest("Storing responses is not available here; send store: false.", "store");
    let previous: HistoryItem[] = [];
    if (body.previous_response_id != null) {
      const prior = deps.store?.load(body.previous_response_id, memberId);
      if (!prior) throw responseNotFound(body.previous_response_id, "previous_response_id");
      previous = prior.items;
    }
    const parsedReq = toResponsesRequest(body, previous);
    const chatReq = parsedReq.chat;
    const ctx = deps.context(req, res);
    // prompt_cache_key names the client's conversation: a local model keeps it on one sequence.
    if (ctx.sessionKey === undefined && body.prompt_cache_key)
      ctx.sessionKey = body.prompt_cache_key.slice(0, 128);
    if (parsedReq.ignored.length > 0) res.set("x-benchtop-ignored", parsedReq.ignored.join(", "));
    const echo: ResponseEcho = {
      id: responseObjectId(ctx.requestId),
      createdAt: Math.floor(Date.now() / 1000),
      model: body.model,
      body,
      tools: chatReq.conversation?.tools ?? [],
      toolChoice: chatReq.conversation?.toolChoice,
    };
    const finished = (response: ResponseObject) => {
      if (!store) return;
      deps.store!.save(memberId, {
        response,
        items: [...previous, ...parsedReq.input, ...response.output.map(historyItem)],
      });
    };
    const streaming = body.stream === true;
    const room = waitingRoom(
      ctx,
      streaming,
      () => new ResponseEvents(openEventSse(res, deps.sseHeartbeatS), echo),
      (events, err) => events.fail(err),
      body.model,
    );
    const gen = await room.start(() => deps.gateway.chat(chatReq, ctx, "responses"));
    if (!gen) return;
    if (!streaming) return answer(res, gen, echo, finished);
    await streamResponse(gen, room.stream(), echo, finished);
  };
}

async function answer(
  res: Response,
  gen: StartedGeneration,
  echo: ResponseEcho,
  finished: (response: ResponseObject) => void,
) {
  for await (const event of gen.events) {
    if (event.type !== "done") continue;
    const finish = finishStatus(event.finishReason);
    const response = responseObject(echo, {
      status: finish.status,
      output: outputItems(echo.id, event.text, event.toolCalls ?? [], finish.status),
      usage: event.usage,
      incompleteDetails: finish.incomplete_details,
    });
    finished(response);
    res.json(response);
  }
}

/** An output item as the input item a client would send back to continue the conversation. */
function historyItem(item: OutputItem): HistoryItem {
  if (item.type === "function_call")
    return {
      type: "function_call",
      id: item.id,
      call_id: item.call_id,
      name: item.name,
      arguments: item.arguments,
    };
  return {
    type: "message",
    id: item.id,
    role: "assistant",
    content: item.content.map((c) => ({ type: "output_text" as const, text: c.text })),
  };
}

/** The `{id}` path parameter (ids have no slashes). */
const idOf = (params: unknown) => String((params as { id?: string }).id ?? "");

/** GET /v1/responses/{id} — the caller's own stored response. */
export function getResponse(deps: ResponsesDeps): RequestHandler {
  return (req, res) => {
    const id = idOf(req.params);
    // Replaying a stored response as a stream (`?stream=true`) is not offered.
    if (req.query.stream === "true")
      throw invalidRequest(
        "Streaming a stored response is not supported.",
        "stream",
        "unsupported_parameter",
      );
    const stored = deps.store?.load(id, caller(res));
    if (!stored) throw responseNotFound(id);
    res.json(stored.response);
  };
}

/** DELETE /v1/responses/{id} — deletes the caller's own stored response. */
export function deleteResponse(deps: ResponsesDeps): RequestHandler {
  return (req, res) => {
    const id = idOf(req.params);
    if (!deps.store?.delete(id, caller(res))) throw responseNotFound(id);
    res.json({ id, object: "response", deleted: true });
  };
}
