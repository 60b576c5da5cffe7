import type { StartedGeneration } from "../../gateway/Gateway.js";
import { toApiError, type ApiError } from "../../gateway/errors.js";
import type { EventSseStream } from "../sse.js";
import {
  finishStatus,
  itemId,
  outputText,
  responseObject,
  type FunctionCallOutput,
  type MessageOutput,
  type OutputItem,
  type ResponseEcho,
  type ResponseObject,
} from "./format.js";

/**
 * The Responses API's event stream for one response. Every event carries `type` and a
 * `sequence_number` counting from 0. It opens with `response.created` and `response.in_progress`
 * (the response in progress, no output, usage null) as soon as the stream does — also while the
 * request still waits in a local model's queue — so a failure after that is still a response
 * event: `error`, then `response.failed`.
 */
export class ResponseEvents {
  private seq = 0;

  constructor(
    private readonly sse: EventSseStream,
    private readonly echo: ResponseEcho,
  ) {
    const response = responseObject(echo, { status: "in_progress", output: [], usage: null });
    this.emit("response.created", { response });
    this.emit("response.in_progress", { response });
  }

  emit(type: string, fields: Record<string, unknown>): void {
    this.sse.event(type, { type, sequence_number: this.seq++, ...fields });
  }

  comment(text: string): void {
    this.sse.comment(text);
  }

  /** The request failed after the stream opened: `error`, then `response.failed`, then the end. */
  fail(err: ApiError, output: OutputItem[] = []): void {
    this.emit("error", { code: err.code ?? err.type, message: err.message, param: err.param });
    this.emit("response.failed", {
      response: responseObject(this.echo, {
        status: "failed",
        output,
        usage: null,
        error: { code: err.code ?? err.type, message: err.message },
      }),
    });
    this.sse.end();
  }

  end(): void {
    this.sse.end();
  }
}

/**
 * Streams a started generation as Responses events. Output items open as content arrives: the
 * assistant message (`response.output_item.added`, `response.content_part.added`, then
 * `response.output_text.delta`s) and one `function_call` item per tool call
 * (`response.function_call_arguments.delta`s); each is closed (`….done` events, then
 * `response.output_item.done`) when the next opens or the answer ends. An answer with no content
 * at all still has its (empty) message. Then `response.completed` (or `response.incomplete` when
 * cut at max_output_tokens) carries the whole response with its usage.
 *
 * Returns the finished response object (for storing), or undefined when the generation failed.
 */
export async function streamResponse(
  gen: StartedGeneration,
  events: ResponseEvents,
  echo: ResponseEcho,
  /** Called with the finished response before the last event is sent (it is stored then). */
  finished: (response: ResponseObject) => void,
): Promise<ResponseObject | undefined> {
  const output: OutputItem[] = [];
  let open: OutputItem | undefined;
  let text = "";
  let calls = 0;

  const close = (status: "completed" | "incomplete", finalArgs?: string) => {
    const item = open;
    if (!item) return;
    const output_index = output.length - 1;
    if (item.type === "message") {
      const part = outputText(text);
      item.content = [part];
      item.status = status;
      const at = { item_id: item.id, output_index, content_index: 0 };
      events.emit("response.output_text.done", { ...at, text, logprobs: [] });
      events.emit("response.content_part.done", { ...at, part });
    } else {
      // A call streamed without arguments has "{}": clients parse the arguments as JSON.
      item.arguments = finalArgs ?? (item.arguments === "" ? "{}" : item.arguments);
      item.status = "completed";
      events.emit("response.function_call_arguments.done", {
        item_id: item.id,
        output_index,
        name: item.name,
        arguments: item.arguments,
      });
    }
    events.emit("response.output_item.done", { output_index, item: structuredClone(item) });
    open = undefined;
  };
  const add = (item: OutputItem) => {
    close("completed");
    output.push(item);
    open = item;
    events.emit("response.output_item.added", {
      output_index: output.length - 1,
      item: structuredClone(item),
    });
  };
  const openMessage = () => {
    const message: MessageOutput = {
      id: itemId("msg", echo.id, output.length),
      type: "message",
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    add(message);
    text = "";
    events.emit("response.content_part.added", {
      item_id: message.id,
      output_index: output.length - 1,
      content_index: 0,
      part: outputText(""),
    });
  };

  try {
    for await (const event of gen.events) {
      if (event.type === "delta") {
        if (open?.type !== "message") openMessage();
        text += event.text;
        events.emit("response.output_text.delta", {
          item_id: open!.id,
          output_index: output.length - 1,
          content_index: 0,
          delta: event.text,
          logprobs: [],
        });
        continue;
      }
      if (event.type === "tool_call") {
        // A call's first piece names it; the pieces of one call are contiguous (GenerationEvent).
        if (event.id !== undefined) {
          const call: FunctionCallOutput = {
            id: itemId("fc", echo.id, calls++),
            type: "function_call",
            status: "in_progress",
            call_id: event.id,
            name: event.name ?? "",
            arguments: "",
          };
          add(call);
        }
        if (open?.type === "function_call" && event.argumentsDelta !== "") {
          open.arguments += event.argumentsDelta;
          events.emit("response.function_call_arguments.delta", {
            item_id: open.id,
            output_index: output.length - 1,
            delta: event.argumentsDelta,
          });
        }
        continue;
      }
      // Reasoning is not served as Responses reasoning items (see request.ts): thinking an
      // Anthropic upstream streams is left out of the Responses answer.
      if (event.type === "thinking") continue;
      const finish = finishStatus(event.finishReason);
      // The last call's arguments as the provider assembled them.
      const last = open?.type === "function_call" ? event.toolCalls?.at(-1) : undefined;
      close(finish.status, last?.arguments);
      if (output.length === 0) {
        // No content at all: the response still has its (empty) message.
        openMessage();
        close(finish.status);
      }
      const response = responseObject(echo, {
        status: finish.status,
        output,
        usage: event.usage,
        incompleteDetails: finish.incomplete_details,
      });
      // Stored before the client learns it is complete: a next request may continue it at once.
      finished(response);
      events.emit(finish.status === "completed" ? "response.completed" : "response.incomplete", {
        response,
      });
      events.end();
      return response;
    }
    events.end();
    return undefined;
  } catch (err) {
    events.fail(toApiError(err), output);
    return undefined;
  }
}
