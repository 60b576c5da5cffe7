import { toApiError } from "../gateway/errors.js";
import type { RequestContext } from "../gateway/types.js";

interface CommentingStream {
  comment(text: string): void;
}

/**
 * A streaming request that has to wait for a local model's sequence learns its place in line:
 * the SSE response opens at once and gets a comment line each time the number ahead changes
 * (`: queued, 3 ahead`), which SDK parsers skip and proxies see as traffic. A request served at
 * once opens its stream only when the generation starts, as before, so errors before that are
 * still plain HTTP errors.
 *
 * Once the stream is open, a failure of the request (its limits, the model, the client going
 * away) can no longer be an HTTP status: `start` sends it as the stream's error frame instead.
 */
export function waitingRoom<S extends CommentingStream>(
  ctx: RequestContext,
  stream: boolean,
  open: () => S,
  fail: (sse: S, err: ReturnType<typeof toApiError>) => void,
  model: string,
) {
  let sse: S | undefined;
  if (stream)
    ctx.onQueued = (ahead) => {
      sse ??= open();
      sse.comment(ahead === 0 ? "queued, next in line" : `queued, ${ahead} ahead`);
    };
  return {
    /** The stream, opened now if waiting did not open it already. */
    stream: (): S => (sse ??= open()),
    /**
     * Runs the gateway call; its error is rethrown while nothing was sent, or sent as an error
     * frame (and `undefined` returned) once the stream is open.
     */
    async start<T>(call: () => Promise<T>): Promise<T | undefined> {
      try {
        return await call();
      } catch (err) {
        if (!sse) throw err;
        fail(sse, toApiError(err, model));
        return undefined;
      }
    },
  };
}
