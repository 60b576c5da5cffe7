import { upstreamText, type Scrub } from "./scrubSecrets.js";

/** Longest model version an upstream may put on a usage row. Defaults to 128 characters. */
export const MODEL_VERSION_MAX = 128;

/**
 * Control and format characters (C0, DEL, C1, bidi overrides, zero-width marks): an upstream's
 * string must not rewrite a terminal, a log line or a CSV cell it ends up in.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/**
 * The `model` string an upstream says answered (OpenAI-compatible chunks' `model`, Anthropic's
 * `message.model`), as the audit record keeps it. It is upstream text, so untrusted: control and
 * format characters are removed first (so a key split by them is still recognised), then key
 * material is scrubbed and the text cut to MODEL_VERSION_MAX characters. Undefined when the
 * upstream sent no usable string.
 */
export function upstreamModelVersion(value: unknown, scrub: Scrub): string | undefined {
  if (typeof value !== "string") return undefined;
  const visible = value.replace(INVISIBLE, "").trim();
  if (visible === "") return undefined;
  return upstreamText(visible, scrub, MODEL_VERSION_MAX);
}
