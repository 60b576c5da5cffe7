import type { ChatFailure } from "./chatStream";

/** A failed chat turn as a person reads it: what happened, and what to do about it. */
export interface ChatErrorText {
  title: string;
  /** The server's own explanation, when it gave one (limits name the cap and when it resets). */
  detail: string | null;
  action: string;
}

/** Codes of a busy, stopped or unreachable model (the engine's, and a pool with no upstream left). */
const BUSY = new Set([
  "overloaded",
  "engine_unavailable",
  "model_load_failed",
  "upstream_unavailable",
]);

/**
 * Plain words for the errors a chat meets, chosen by code, then status (never by message text):
 * spend caps and credits, rate limits, a model the member may not use or that is gone, a busy or
 * stopped engine, a conversation too long for the model, and a server out of reach.
 */
export function chatErrorText(e: Pick<ChatFailure, "status" | "code" | "message">): ChatErrorText {
  const detail = e.message || null;
  // Credits do not reset with the day or month; a spend cap does (the detail says when).
  if (e.code === "insufficient_credits")
    return {
      title: "Out of credits",
      detail,
      action: "Ask your lab admin to add credits, or pick a model the lab pays for.",
    };
  if (e.code === "insufficient_quota")
    return {
      title: "Spend limit reached",
      detail,
      action: "Ask your lab admin to raise the limit, or wait until it resets.",
    };
  if (e.code === "rate_limit_exceeded" || e.status === 429)
    return {
      title: "Too many requests",
      detail,
      action: "Wait a few seconds, then press Regenerate.",
    };
  if (e.code === "model_not_allowed")
    return {
      title: "You may not use this model",
      detail,
      action: "Pick another model above, or ask your lab admin to allow this one.",
    };
  if (e.code === "model_not_found")
    return {
      title: "Model unavailable",
      detail,
      action: "It may have been removed or renamed: pick another model above.",
    };
  if ((e.code !== null && BUSY.has(e.code)) || e.status === 503)
    return {
      title: "The model is busy or unavailable",
      detail,
      action: "Try again in a moment with Regenerate, or pick another model.",
    };
  if (e.code === "context_length_exceeded")
    return {
      title: "This conversation is too long for the model",
      detail,
      action: "Start a new chat, or edit an earlier message to shorten the conversation.",
    };
  if (e.status === 0 && e.code === null)
    return {
      title: "The answer did not arrive",
      detail,
      action: "Check that the Benchtop server is running, then press Regenerate.",
    };
  return { title: "The request failed", detail, action: "Press Regenerate to try again." };
}
