import type { GenerationEvent } from "../gateway/types.js";
import { Restorer } from "./placeholders.js";

type Event = Exclude<GenerationEvent, { type: "started" }>;

/**
 * Puts a request's placeholders back into its answer, event by event: text deltas, tool-call
 * argument fragments (JSON source, so values go in JSON-escaped) and the final `done` (its
 * text and whole tool calls). A placeholder split across events is held until it is complete;
 * what is held is released before the next tool call starts and before `done`.
 */
export class AnswerRestorer {
  private readonly text: Restorer;
  private readonly args = new Map<number, Restorer>();
  private openCall: number | undefined;

  constructor(private readonly map: ReadonlyMap<string, string>) {
    this.text = new Restorer(map);
  }

  /** How many placeholders went back into the streamed answer. */
  get restored(): number {
    let n = this.text.restored;
    for (const r of this.args.values()) n += r.restored;
    return n;
  }

  /** The events to send in place of `event` (none while a placeholder is incomplete). */
  apply(event: Event): Event[] {
    switch (event.type) {
      // Thinking is the model's own reasoning, sent back to the upstream as it was signed:
      // placeholders stay in it.
      case "thinking":
        return [event];
      case "delta": {
        const text = this.text.push(event.text);
        return text ? [{ ...event, text }] : [];
      }
      case "tool_call": {
        const out = this.closeCall(event.index);
        let r = this.args.get(event.index);
        if (!r) this.args.set(event.index, (r = new Restorer(this.map, true)));
        this.openCall = event.index;
        const argumentsDelta = r.push(event.argumentsDelta);
        // A call's first event (id, name) is sent even with its arguments still held.
        if (argumentsDelta || event.id !== undefined || event.name !== undefined)
          out.push({ ...event, argumentsDelta });
        return out;
      }
      case "done": {
        const out = this.closeCall(undefined);
        const rest = this.text.flush();
        if (rest) out.push({ type: "delta", text: rest });
        const json = new Restorer(this.map, true);
        out.push({
          ...event,
          text: this.text.all(event.text),
          ...(event.toolCalls
            ? {
                toolCalls: event.toolCalls.map((c) => ({
                  ...c,
                  arguments: json.all(c.arguments),
                })),
              }
            : {}),
        });
        return out;
      }
    }
  }

  /** Releases what the open tool call holds when another one starts (or the answer ends). */
  private closeCall(next: number | undefined): Event[] {
    const open = this.openCall;
    if (open === undefined || open === next) return [];
    this.openCall = undefined;
    const rest = this.args.get(open)!.flush();
    return rest ? [{ type: "tool_call", index: open, argumentsDelta: rest }] : [];
  }
}
