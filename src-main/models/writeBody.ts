import fs from "node:fs";
import type { Readable } from "node:stream";

/** The body was not a GGUF file: the partial file is worthless and nothing is resumable. */
export class NotGgufError extends Error {
  override name = "NotGgufError";
}

/**
 * Writes a response body to `file` (appending when `append`), calling `onWritten` with each
 * chunk's size once it is written, so a count taken at any moment never exceeds the bytes on
 * disk. From byte 0 the first 4 bytes must be GGUF's magic: an HTML error page stops at once.
 */
export async function writeBody(
  body: Readable,
  file: string,
  append: boolean,
  onWritten: (bytes: number) => void,
): Promise<void> {
  const out = fs.createWriteStream(file, { flags: append ? "a" : "w" });
  let head: Buffer | null = append ? null : Buffer.alloc(0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (head) {
        head = Buffer.concat([head, chunk.subarray(0, 4)]);
        if (head.length >= 4) {
          if (head.subarray(0, 4).toString("latin1") !== "GGUF") {
            body.destroy();
            throw new NotGgufError("The server did not send a GGUF file (no GGUF magic bytes).");
          }
          head = null;
        }
      }
      await new Promise<void>((resolve, reject) =>
        out.write(chunk, (err) => (err ? reject(err) : resolve())),
      );
      onWritten(chunk.length);
    }
    if (head) throw new NotGgufError("The server did not send a GGUF file (too short).");
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
}
