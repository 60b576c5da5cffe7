/**
 * What the UI may show of an API key: its last 4 characters (`…wxyz`), like the key lists of
 * OpenAI and Benchtop's own store. The key itself is never rendered or logged.
 */
export function maskKey(key: string): string {
  return `…${key.slice(-4)}`;
}

/** `text` with every occurrence of `key` masked, for server messages shown to the user. */
export function redactKey(text: string, key: string | undefined): string {
  return key ? text.replaceAll(key, maskKey(key)) : text;
}
