import type { EngineErrorCode, EngineErrorPayload } from "./protocol.js";

/**
 * An engine failure with a stable code. The gateway maps codes to HTTP errors; nothing ever
 * classifies an engine error by its message text.
 */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    /** For `queue_full`: seconds after which a retry is reasonable. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = "EngineError";
  }

  static toPayload(err: unknown): EngineErrorPayload {
    if (err instanceof EngineError) return { code: err.code, message: err.message };
    return { code: "internal", message: err instanceof Error ? err.message : String(err) };
  }

  static fromPayload(p: EngineErrorPayload): EngineError {
    return new EngineError(p.code, p.message);
  }
}
