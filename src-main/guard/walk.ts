/**
 * Walking a request for the strings a model reads: every string of the request object (its
 * messages, OpenAI body, neutral conversation, tool calls, tool results, tool definitions,
 * completion prompt, embedding inputs, stop sequences, an Anthropic body passed through),
 * whatever API shape it came in, so a new
 * field that carries text is covered without being listed here. Left out: the model id, the
 * local engine's grammar (derived from a schema the request also carries) and binary payloads
 * (base64 images and audio, data: URLs), which are not text and would only cost time.
 */

/** Keys whose values are never prompt text. */
const SKIPPED_KEYS = new Set(["model", "grammar", "unsupportedLocally"]);

/** A base64 payload: a data: URL, or a long `data` value made only of base64 characters. */
function isBinary(key: string | undefined, s: string): boolean {
  if (s.startsWith("data:") && s.includes(";base64,")) return true;
  // `signature`: a thinking block's opaque signature (Anthropic), checked by the upstream when
  // the block is sent back; high-entropy base64 that a secret rule could otherwise match.
  return (
    (key === "data" || key === "signature") &&
    s.length >= 256 &&
    /^[A-Za-z0-9+/=\r\n]+$/.test(s.slice(0, 256))
  );
}

/** Adds every text string of `value` to `out` (each distinct string once). */
export function collectStrings(value: unknown, out: Set<string>, key?: string, depth = 0): void {
  // Request bodies are depth-limited at the edge (128 levels); this bound only guards callers
  // that build requests themselves.
  if (depth > 256) throw new Error("request nested too deeply to scan");
  if (typeof value === "string") {
    if (value.length > 0 && !isBinary(key, value)) out.add(value);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out, key, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (SKIPPED_KEYS.has(k)) continue;
    collectStrings(v, out, k, depth + 1);
  }
}

/**
 * `value` with `fn` applied to each of its text strings (the ones `collectStrings` yields).
 * Objects and arrays are copied only where something inside changed; the input is never
 * modified (the original request stays intact for local targets and fallbacks).
 */
export function mapStrings<T>(value: T, fn: (s: string) => string, key?: string): T {
  if (typeof value === "string") {
    if (value.length === 0 || isBinary(key, value)) return value;
    return fn(value) as T;
  }
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v: unknown) => {
      const m = mapStrings(v, fn, key);
      if (m !== v) changed = true;
      return m;
    });
    return (changed ? out : value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SKIPPED_KEYS.has(k)) continue;
    const m = mapStrings(v, fn, k);
    if (m !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = m;
  }
  return (copy ?? value) as T;
}
