import { Transform, type TransformCallback } from "node:stream";
import zlib from "node:zlib";
import type { Request, RequestHandler } from "express";
import { Decompress } from "fzstd";
import { ApiError } from "../gateway/errors.js";
import { announcesBody } from "./slowClients.js";

/**
 * The largest zstd window a body may ask for: 8 MiB, RFC 9659's limit for the `zstd` HTTP content
 * coding (encoders must not use more, decoders may refuse more). Bounds the decoder's memory to
 * twice this (the patched fzstd keeps its window in a buffer of twice the size).
 */
export const ZSTD_MAX_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * Stacked codings (`Content-Encoding: gzip, br`) are decoded in reverse order, as RFC 9110 §8.4
 * lists them in the order they were applied; more than two is refused (no client stacks more, and
 * each stage is another decoder to run).
 */
export const MAX_STACKED_CODINGS = 2;

const CODINGS = ["gzip", "x-gzip", "deflate", "br", "zstd"] as const;
type Coding = (typeof CODINGS)[number];

export interface BodyDecodingOptions {
  /** The most bytes the body may have once decoded (`server.bodyLimitBytes`, 8 MiB by default). */
  limitBytes: number;
  /** The most bytes the encoded body may have on the wire. Defaults to `limitBytes`. */
  wireLimitBytes?: number;
}

/** A decoder's output went past the limit: the body is too large, not corrupt. */
class DecodedTooLarge extends Error {}

/**
 * fzstd's streaming decoder as a stream. Its `push` decodes every whole block of a chunk at once
 * and has no backpressure, so a few kilobytes of repeat blocks would expand to gigabytes inside one
 * call: the output is counted as it is produced and the call is stopped (by throwing out of the
 * data handler) as soon as it passes `limitBytes`.
 */
class ZstdDecoder extends Transform {
  private readonly decoder: Decompress;
  private produced = 0;

  constructor(private readonly limitBytes: number) {
    super();
    this.decoder = new Decompress((chunk) => {
      this.produced += chunk.length;
      if (this.produced > this.limitBytes) throw new DecodedTooLarge();
      // fzstd reuses no buffer it hands out, so the chunk can be queued as is.
      if (chunk.length > 0) this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    }, ZSTD_MAX_WINDOW_BYTES);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.run(() => this.decoder.push(chunk, false), done);
  }

  override _flush(done: TransformCallback): void {
    this.run(() => this.decoder.push(new Uint8Array(0), true), done);
  }

  private run(step: () => void, done: TransformCallback): void {
    try {
      step();
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  }
}

function decoderFor(coding: Coding, limitBytes: number): Transform {
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    // HTTP's `deflate` is the zlib format (RFC 9110 §8.4.1.2), what node's Inflate reads.
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    case "zstd":
      return new ZstdDecoder(limitBytes);
  }
}

const unsupported = (message: string) =>
  new ApiError(415, "invalid_request_error", message, "unsupported_media_type");

/** The codings to undo, in the order to undo them; `identity` and empty entries are dropped. */
export function parseContentEncoding(header: string | undefined): Coding[] {
  const listed = (header ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  for (const coding of listed) {
    if (!(CODINGS as readonly string[]).includes(coding)) {
      throw unsupported(
        `Unsupported Content-Encoding "${coding.slice(0, 40)}". Send the body as identity, gzip, deflate, br or zstd.`,
      );
    }
  }
  if (listed.length > MAX_STACKED_CODINGS) {
    throw unsupported(
      `At most ${MAX_STACKED_CODINGS} stacked content codings are accepted; this body has ${listed.length}.`,
    );
  }
  return (listed as Coding[]).reverse();
}

/** Body-parser's JSON behaviour, for a decoded body: UTF-8 (or another `utf-` charset), `{}` when empty. */
function parseJson(req: Request, body: Buffer): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1];
  let text: string;
  try {
    if (charset !== undefined && !charset.toLowerCase().startsWith("utf-")) throw new RangeError();
    text = new TextDecoder(charset ?? "utf-8").decode(body);
  } catch {
    throw unsupported("Unsupported body encoding; send UTF-8 JSON.");
  }
  if (text.length === 0) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The same error the JSON parser raises for an identity body (errors.ts renders it).
    throw Object.assign(new Error("invalid JSON"), { type: "entity.parse.failed" });
  }
}

/**
 * Mounted after the body deadline, before the JSON parser (which then skips the request): reads a
 * body sent with `Content-Encoding` gzip, deflate, br or zstd, decoding it as it arrives.
 * - The limit applies to the decoded bytes: decoding stops at the first byte past it (413
 *   `request_too_large`), so a small bomb costs at most the limit in memory and work.
 * - The encoded bytes have their own limit (`wireLimitBytes`), checked on `Content-Length` first.
 * - A corrupt or truncated stream is a 400 `invalid_compressed_body`; an unknown coding is a 415.
 * - On a failure the rest of the body is read and dropped, not decoded, before answering (what the
 *   JSON parser does for identity bodies), so the client is not cut off mid-upload; the body
 *   deadline (`server.bodyTimeoutS`) still bounds how long that can take.
 * Bodies without a coding (or `identity`) go to the JSON parser unchanged.
 */
export function decodeBody(opts: BodyDecodingOptions): RequestHandler {
  const limit = opts.limitBytes;
  const wireLimit = opts.wireLimitBytes ?? limit;
  return (req, res, next) => {
    const header = req.headers["content-encoding"];
    if (header === undefined || !announcesBody(req)) return next();
    let codings: Coding[];
    try {
      codings = parseContentEncoding(header);
    } catch (err) {
      return next(err);
    }
    if (codings.length === 0) {
      // Only identity: the JSON parser reads it as a plain body (it refuses a list of identities).
      delete req.headers["content-encoding"];
      return next();
    }
    res.locals.bodyDecoded = true;

    let settled = false;
    const stages = codings.map((c) => decoderFor(c, limit));
    const chunks: Buffer[] = [];
    let decoded = 0;
    let wire = 0;

    const stop = () => {
      req.unpipe();
      req.off("data", countWire);
      for (const stage of stages) {
        stage.unpipe();
        stage.on("error", () => {});
        stage.destroy();
      }
    };
    // Answers once the request has been read to its end (or the client is gone, or the body
    // deadline answered first: then there is nothing left to do).
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      stop();
      const answer = () => {
        if (res.headersSent || res.locals.bodyTimedOut === true) return;
        if (err !== undefined) return next(err);
        try {
          req.body = parseJson(req, Buffer.concat(chunks, decoded));
        } catch (parseErr) {
          return next(parseErr);
        }
        next();
      };
      if (req.complete || err === undefined) return answer();
      req.once("end", answer);
      req.resume();
    };

    const tooLarge = () =>
      new ApiError(
        413,
        "invalid_request_error",
        `Request body too large: it is over ${limit} bytes once decompressed.`,
        "request_too_large",
      );
    // The decoder's own words (zlib's "incorrect header check", fzstd's window limit) say why.
    const corrupt = (coding: Coding, err: unknown) =>
      new ApiError(
        400,
        "invalid_request_error",
        `The request body is not valid ${coding} data (Content-Encoding: ${header.slice(0, 100)}): ` +
          `${String((err as Error).message ?? err).slice(0, 200)}.`,
        "invalid_compressed_body",
      );
    const wireTooLarge = () =>
      new ApiError(
        413,
        "invalid_request_error",
        `Request body too large: the compressed body is over ${wireLimit} bytes.`,
        "request_too_large",
      );

    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > wireLimit) return finish(wireTooLarge());

    function countWire(chunk: Buffer) {
      wire += chunk.length;
      if (wire > wireLimit) finish(wireTooLarge());
    }
    req.on("data", countWire);
    // Every stage's output is capped at the limit: the last one's is the body, an earlier one's is
    // the encoded input of the next (stacked codings), never larger than what it decodes to except
    // for padding such as empty zstd blocks, which would otherwise let a gzip layer feed the next
    // decoder gigabytes that decode to nothing. zstd also counts its own, inside each chunk.
    stages.forEach((stage, i) => {
      stage.on("error", (err) =>
        finish(err instanceof DecodedTooLarge ? tooLarge() : corrupt(codings[i]!, err)),
      );
      const nextStage = stages[i + 1];
      if (nextStage) {
        let produced = 0;
        stage.on("data", (chunk: Buffer) => {
          produced += chunk.length;
          if (produced > limit) finish(tooLarge());
        });
        stage.pipe(nextStage);
      }
    });
    const last = stages[stages.length - 1]!;
    last.on("data", (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > limit) return finish(tooLarge());
      chunks.push(chunk);
    });
    last.on("end", () => finish());
    // The client went away, or something else answered (the body deadline): stop decoding.
    const abandon = () => {
      if (settled) return;
      settled = true;
      stop();
    };
    req.once("close", () => {
      if (!req.complete) abandon();
    });
    res.once("close", abandon);
    req.pipe(stages[0]!);
  };
}
