import type { z } from "zod";

/**
 * Checks every IPC call must pass before its handler runs. Pure (no `electron` import) so they
 * are tested under Node; `ipc.ts` wraps each `ipcMain.handle` in them (no raw handlers).
 */

/** What the checks need from Electron's `event.senderFrame` (a `WebFrameMain`, or null). */
export interface SenderFrame {
  /** The frame's current URL. */
  url: string;
  /** True for the window's top frame (`frame.parent === null`). */
  isTopFrame: boolean;
}

/** Why a call was refused; the message names the channel, never the arguments. */
export class IpcRefusedError extends Error {
  override name = "IpcRefusedError";
}

/**
 * True only for the top frame of a page on exactly `appOrigin` (the check Electron's security
 * guide asks for): not an iframe, not a page the window was somehow navigated to, not a frame
 * that is already gone (`null`).
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, appOrigin: string): boolean {
  if (!frame || !frame.isTopFrame) return false;
  if (!URL.canParse(frame.url) || !URL.canParse(appOrigin)) return false;
  const origin = new URL(frame.url).origin;
  return origin !== "null" && origin === new URL(appOrigin).origin;
}

/**
 * The call's arguments, parsed by `schema` (a tuple of the handler's parameters). Throws
 * `IpcRefusedError` when the sender is not trusted or the arguments do not match; the renderer
 * sees the rejection as a failed `invoke`.
 */
export function checkIpcCall<S extends z.ZodType>(
  channel: string,
  frame: SenderFrame | null | undefined,
  appOrigin: string,
  schema: S,
  args: unknown[],
): z.infer<S> {
  if (!isTrustedSender(frame, appOrigin)) {
    throw new IpcRefusedError(`${channel} refused: not Benchtop's own page`);
  }
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`,
    );
    throw new IpcRefusedError(`${channel} refused: invalid arguments (${problems.join("; ")})`);
  }
  return parsed.data;
}
