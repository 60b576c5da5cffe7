/** One server-sent event: its `event:` name (null when it has none) and its `data:` lines. */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * An incremental parser of `text/event-stream` text, with the rules the `openai` SDK applies
 * (its SSEDecoder), so an upstream reads the same through either:
 * - lines end with `\n`, `\r\n` or `\r` (a `\r\n` split across two chunks counts once);
 * - a blank line ends an event, dispatched when it has a non-empty name or any `data:` line;
 * - `data:` lines are joined with `\n`; one space after the colon is dropped;
 * - lines starting with `:` are comments (heartbeats); `id:`, `retry:` and unknown fields are
 *   ignored; a line without a colon is a field with an empty value;
 * - an event not ended by a blank line when the stream ends is dropped.
 * Feed it text (decode bytes with a StringDecoder, so a character split across chunks is whole).
 */
export class SseParser {
  private rest = "";
  /** The last chunk ended with `\r`: a `\n` opening the next one belongs to that line end. */
  private afterCr = false;
  private event: string | null = null;
  private data: string[] = [];

  /** Adds text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    const s = this.rest === "" ? text : this.rest + text;
    let start = 0;
    if (this.afterCr && s.charCodeAt(0) === 10) start = 1;
    this.afterCr = false;
    let lf = s.indexOf("\n", start);
    let cr = s.indexOf("\r", start);
    while (lf >= 0 || cr >= 0) {
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      this.line(s.slice(start, end), out);
      start = end + 1;
      if (end === cr) {
        if (start === s.length) this.afterCr = true;
        else if (s.charCodeAt(start) === 10) start++;
      }
      if (lf >= 0 && lf < start) lf = s.indexOf("\n", start);
      if (cr >= 0 && cr < start) cr = s.indexOf("\r", start);
    }
    this.rest = start === 0 ? s : s.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      if (!this.event && this.data.length === 0) return;
      out.push({
        event: this.event,
        data: this.data.length === 1 ? this.data[0]! : this.data.join("\n"),
      });
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}
