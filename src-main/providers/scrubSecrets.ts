/**
 * The one scrubber for text that comes from an upstream provider (error messages, codes, types).
 * Upstreams echo what they were sent ("Incorrect API key provided: sk-…", "bad request for key
 * Bearer sk-…"), so every such text has the connection's key material removed before it reaches
 * a response, a header, a log line, a usage row, an event or a connection test result.
 *
 * Removed: every occurrence of a secret, and every run of MIN_RUN (8) or more consecutive
 * characters of one (a prefix, a middle slice, the last part), each maximal stretch replaced by
 * REDACTED once. Runs shorter than 8 are kept: "sk-" or a last 4 identify nothing. A secret
 * shorter than 8 (a vLLM box's "EMPTY") is removed whole; one shorter than MIN_SECRET (4) is
 * ignored: it protects nothing, and removing every "ab" would garble the message.
 */

export const REDACTED = "[redacted]";

/** Shortest run of a secret's characters that is removed. Defaults to 8. */
export const MIN_RUN = 8;

/** Shortest secret removed at all. Defaults to 4. */
export const MIN_SECRET = 4;

/** Removes key material from upstream text. */
export type Scrub = (text: string) => string;

/**
 * A scrubber for `secrets` (the connection's keys and credential header values). `secrets` is
 * read on the first call, not before: building it decrypts every key of the connection, which
 * only a failure (the rare path) should pay for.
 */
export function secretScrubber(secrets: () => Iterable<string>): Scrub {
  let index: SecretIndex | undefined;
  return (text) => {
    if (text === "") return text;
    index ??= new SecretIndex(secrets());
    return index.scrub(text);
  };
}

/** Every MIN_RUN-character window of every secret, and the secrets shorter than that. */
class SecretIndex {
  private readonly windows = new Set<string>();
  private readonly short: string[] = [];

  constructor(secrets: Iterable<string>) {
    for (const s of secrets) {
      if (s.length < MIN_SECRET) continue;
      if (s.length < MIN_RUN) this.short.push(s);
      for (let i = 0; i + MIN_RUN <= s.length; i++) this.windows.add(s.slice(i, i + MIN_RUN));
    }
    // Longest first, so a short secret that is part of another is not removed piecemeal.
    this.short.sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    // Covered stretches [start, end), found in order and merged where they touch or overlap.
    const cover: [number, number][] = [];
    const mark = (start: number, end: number) => {
      const last = cover.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else cover.push([start, end]);
    };
    if (this.windows.size > 0)
      for (let i = 0; i + MIN_RUN <= text.length; i++)
        if (this.windows.has(text.slice(i, i + MIN_RUN))) mark(i, i + MIN_RUN);
    for (const s of this.short) {
      for (let at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) {
        cover.push([at, at + s.length]);
      }
    }
    if (cover.length === 0) return text;
    cover.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = "";
    let pos = 0;
    for (const [start, end] of cover) {
      if (end <= pos) continue;
      if (start >= pos) out += text.slice(pos, start) + REDACTED;
      pos = end;
    }
    return out + text.slice(pos);
  }
}

/**
 * Upstream text as it may be shown or stored: scrubbed, then at most `max` characters. Only the
 * first `max` characters are scrubbed (an upstream may send a megabyte), and a cut text loses
 * its last MIN_RUN - 1 characters too: they may be the start of a key the cut split, too short
 * to be recognised on their own.
 */
export function upstreamText(text: string, scrub: Scrub, max: number): string {
  if (text.length <= max) return scrub(text);
  const cut = scrub(text.slice(0, max));
  return `${cut.slice(0, Math.max(0, cut.length - (MIN_RUN - 1)))}…`;
}
