/** One event of `GET /manage/v1/events` (src-main/server/manage/events.ts). */
export interface ServerEvent {
  /** `<resource>.<verb>`, e.g. `usage.settle`, `alert.create`, `member.update`. */
  type: string;
  member_id: string | null;
  data: unknown;
}

/**
 * Reads an SSE body (`event:`/`data:` lines, blank line between events, `:` comments) and calls
 * `onEvent` with each parsed `data`. Malformed events are skipped: a stray line must not end the
 * UI's live updates. Resolves when the body ends or `signal` aborts.
 */
export async function readServerEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: ServerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const abort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", abort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
        if (!data) continue;
        try {
          const parsed = JSON.parse(data) as ServerEvent;
          if (typeof parsed?.type === "string") onEvent(parsed);
        } catch {
          // Skipped: see above.
        }
      }
    }
  } finally {
    signal.removeEventListener("abort", abort);
  }
}
