import { describe, expect, it } from "vitest";
import { SseParser, type SseEvent } from "../../src-main/providers/openaiCompatible/sseParser.js";

/** Everything `chunks` yield, fed one after another to one parser. */
function parse(...chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
}

describe("SseParser (the openai SDK's SSE rules)", () => {
  it("dispatches an event at a blank line, with its name and its data", () => {
    expect(parse('data: {"a":1}\n\n', "event: ping\ndata: x\n\n")).toEqual([
      { event: null, data: '{"a":1}' },
      { event: "ping", data: "x" },
    ]);
  });

  it("accepts \\n, \\r\\n and \\r line ends, also split across chunks", () => {
    const expected = [
      { event: null, data: "one" },
      { event: null, data: "two" },
      { event: null, data: "three" },
    ];
    expect(parse("data: one\r\n\r\ndata: two\r\rdata: three\n\n")).toEqual(expected);
    // \r at a chunk's end, its \n at the next one's start: one line end, not two.
    expect(parse("data: one\r", "\n\r", "\ndata: two\r", "\rdata: three\n", "\n")).toEqual(
      expected,
    );
  });

  it("joins data lines with \\n and drops one space after the colon only", () => {
    expect(parse("data:a\ndata:  b\ndata\n\n")).toEqual([{ event: null, data: "a\n b\n" }]);
  });

  it("skips comments, ids, retries and unknown fields; a blank line alone dispatches nothing", () => {
    expect(parse(": ping\n\n", "id: 7\nretry: 10\nfoo: bar\n\n", "\n\n")).toEqual([]);
    expect(parse(": ping\ndata: x\n\n")).toEqual([{ event: null, data: "x" }]);
  });

  it("dispatches a named event without data (empty data), not an empty-named one", () => {
    expect(parse("event: done\n\n", "event:\n\n")).toEqual([{ event: "done", data: "" }]);
  });

  it("reassembles events and multi-byte text cut anywhere", () => {
    const text = 'data: {"content":"héllo ✓"}\n\ndata: [DONE]\n\n';
    for (let cut = 1; cut < text.length; cut++)
      expect(parse(text.slice(0, cut), text.slice(cut))).toEqual([
        { event: null, data: '{"content":"héllo ✓"}' },
        { event: null, data: "[DONE]" },
      ]);
    expect(parse(...text.split(""))).toHaveLength(2);
  });

  it("drops an event the stream ends before finishing", () => {
    expect(parse("data: a\n\ndata: b\n")).toEqual([{ event: null, data: "a" }]);
  });
});
