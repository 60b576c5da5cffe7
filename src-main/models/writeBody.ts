import fs from "node:fs";
import type { Readable } from "node:stream";
import { diskNearlyFull } from "./diskSpace.js";

/** The body was not a GGUF file: the partial file is worthless and nothing is resumable. */
export class NotGgufError extends Error {
  override name = "NotGgufError";
}

/**
 * Writes a response body to `file` (appending when `append`), calling `onWritten` with each
 * chunk's size once it is written, so a count taken at any moment never exceeds the bytes on
 * disk. From byte 0 the first 4 bytes must be GGUF's magic: an HTML error page stops at once.
 * At most `maxBytes` are written (the disk's room): the bytes up to it land, then it throws.
 */
export async function writeBody(
  body: Readable,
  file: string,
  append: boolean,
  onWritten: (bytes: number) => void,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  const out = fs.createWriteStream(file, { flags: append ? "a" : "w" });
  let head: Buffer | null = append ? null : Buffer.alloc(0);
  let written = 0;
  try {
    for await (let chunk of body as AsyncIterable<Buffer>) {
      const full = written + chunk.length > maxBytes;
      if (full) chunk = chunk.subarray(0, Math.max(0, maxBytes - written));
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
      written += chunk.length;
      onWritten(chunk.length);
      if (full) {
        body.destroy();
        throw new Error(diskNearlyFull(written));
      }
    }
    if (head) throw new NotGgufError("The server did not send a GGUF file (too short).");
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
  }
}
