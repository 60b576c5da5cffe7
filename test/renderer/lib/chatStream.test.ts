import { describe, expect, it } from "vitest";
import {
  parseRouteHeader,
  queuedAhead,
  queueText,
  routeText,
  streamChatCompletion,
  type StreamChatOptions,
} from "../../../src-renderer/lib/chatStream";

/**
 * The renderer's own SSE parsing, fed a scripted body: the pieces arrive as given (split anywhere,
 * as a socket may split them). The real server's comments are covered by the chat store's tests.
 */
function fakeApi(pieces: string[], headers: Record<string, string> = {}): StreamChatOptions["api"] {
  return {
    fetchRaw: async () => {
      const bytes = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (const p of pieces) c.enqueue(bytes.encode(p));
          c.close();
        },
      });
      return new Response(body, {
        status: 200,
        headers: { "content-type": "text/event-stream", "x-request-id": "req_1", ...headers },
      });
    },
  };
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ delta: { content }, finish_reason: finish }] })}\n\n`;

async function run(pieces: string[], headers?: Record<string, string>) {
  const events: (string | number)[] = [];
  const result = await streamChatCompletion({
    api: fakeApi(pieces, headers),
    model: "tiny",
    messages: [{ role: "user", content: "hi" }],
    signal: new AbortController().signal,
    onText: (text) => events.push(text),
    onQueued: (ahead) => events.push(ahead),
  });
  return { events, result };
}

describe("queue comments in the chat stream", () => {
  it("reads the place in line from the server's comments and ignores other comments", () => {
    expect(queuedAhead(" queued, 3 ahead")).toBe(3);
    expect(queuedAhead(" queued, 1 ahead\r")).toBe(1);
    expect(queuedAhead(" queued, next in line")).toBe(0);
    for (const other of [" ping", "", " queued", " queued, -1 ahead", " queued, many ahead"])
      expect(queuedAhead(other), other).toBeNull();
    expect(queueText(3)).toBe("Waiting for the model — 3 ahead");
    expect(queueText(1_200)).toBe("Waiting for the model — 1,200 ahead");
    expect(queueText(0)).toBe("Waiting for the model — next in line");
  });

  it("calls onQueued as the line moves, then onText once the answer starts", async () => {
    const { events, result } = await run([
      ": queued, 3 ahead\n\n",
      ": ping\n\n: queued, 1 ah",
      "ead\n\n: queued, next in line\n\n",
      chunk("Hel"),
      chunk("lo", "stop"),
      "data: [DONE]\n\n",
    ]);
    expect(events).toEqual([3, 1, 0, "Hel", "Hello"]);
    expect(result).toMatchObject({ content: "Hello", finishReason: "stop", error: null });
  });

  it("a comment after the answer started is not a place in line; CRLF lines are read too", async () => {
    const { events } = await run([
      ": queued, 2 ahead\r\n\r\n",
      chunk("A"),
      ": queued, 1 ahead\n\n",
      chunk("B", "stop"),
      "data: [DONE]\n\n",
    ]);
    expect(events).toEqual([2, "A", "AB"]);
  });

  it("a stream that ends while waiting reports the break, having reported the wait", async () => {
    const { events, result } = await run([": queued, 4 ahead\n\n"]);
    expect(events).toEqual([4]);
    expect(result.error?.message).toBe("The answer stopped before it ended.");
  });
});

describe("the route a routed model took", () => {
  it("reads x-benchtop-route: a category and a target, '-' for none", () => {
    expect(parseRouteHeader("code -> tiny")).toEqual({ category: "code", target: "tiny" });
    expect(parseRouteHeader("- -> lab/gpt-4o")).toEqual({ category: null, target: "lab/gpt-4o" });
    for (const other of [null, "", "code", "code ->", "-> tiny"])
      expect(parseRouteHeader(other), String(other)).toBeNull();
    expect(routeText({ category: "code", target: "tiny" })).toBe("routed: code → tiny");
    expect(routeText({ category: null, target: "tiny" })).toBe("routed to tiny");
  });

  it("comes back with the result; null when the model was called directly", async () => {
    const body = [chunk("Hi", "stop"), "data: [DONE]\n\n"];
    const routed = await run(body, { "x-benchtop-route": "simple -> tiny" });
    expect(routed.result.route).toEqual({ category: "simple", target: "tiny" });
    expect((await run(body)).result.route).toBeNull();
  });
});
