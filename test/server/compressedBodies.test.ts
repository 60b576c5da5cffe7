import http from "node:http";
import net from "node:net";
import { Readable, type Transform } from "node:stream";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { hostPort, parseReply } from "../helpers/rawSocket.js";

/**
 * Compressed request bodies (issue 12, part 2): gzip, deflate, br and zstd, the body limit applied
 * to the decoded bytes. Bombs expand to 1 GiB and are built from streamed generators, never held
 * in memory whole; the server must refuse each at the limit and go on answering.
 */
let t: TestServer;
/** A server with a 64 KiB body limit, for the limit on the encoded (wire) size. */
let small: TestServer;
/** A server whose bodies must arrive within 0.5 s, for the body deadline. */
let slow: TestServer;
beforeAll(async () => {
  [t, small, slow] = await Promise.all([
    startTestServer(),
    startTestServer({ server: { bodyLimitBytes: 64 * 1024 } }),
    startTestServer({ server: { bodyTimeoutS: 0.5, requestTimeoutS: 30 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), small?.close(), slow?.close()]);
});

interface Reply {
  status: number;
  json: { error?: { code?: string | null; message?: string; type?: string } } & Record<
    string,
    unknown
  >;
}

/** POSTs raw bytes with any headers (fetch sets its own Content-Encoding rules for nothing). */
function post(
  server: TestServer,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
  chunked = false,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, server.url),
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...server.auth,
          ...(chunked ? {} : { "content-length": String(body.length) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Reply["json"],
          }),
        );
      },
    );
    req.on("error", reject);
    if (chunked) {
      // Several writes: a body that arrives in pieces, without a declared length.
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

const chatBody = (model: string) =>
  Buffer.from(
    JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 1 }),
  );

/** A real zstd frame (zstd 1.5 CLI, level 19, with a checksum) of a chat request's body. */
const ZSTD_FIXTURE = Buffer.from(
  "KLUv/QRojQIAwgUSEpDPASS2duBaisa5+4oD1WZ2THmQT9gt0mPRezD5IDrX7OQUNoUxPVz2rCdvF+VxIZ+90Jz9Hu5QS6HovEK1iqnVyV2r+I4DAQCJcpYo7jqacg==",
  "base64",
);

/**
 * A zstd frame by hand: magic, a header with no content size and the window `2^windowLog`, then
 * the given blocks (zstd's format is simple enough that raw and repeat blocks need no encoder).
 */
function zstdFrame(windowLog: number, blocks: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3]),
    ...blocks,
  ]);
}
/** Block header: bit 0 last, bits 1-2 type (0 raw, 1 repeat one byte), bits 3-23 size. */
const blockHeader = (type: 0 | 1, size: number, last: boolean) => {
  const v = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
};
const rawBlock = (data: Buffer, last: boolean) =>
  Buffer.concat([blockHeader(0, data.length, last), data]);

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

function* zeros(total: number) {
  const chunk = Buffer.alloc(MiB);
  for (let sent = 0; sent < total; sent += MiB) yield chunk;
}
/** `total` zero bytes through a compressor, streamed: never more than 1 MiB of input in memory. */
async function compressStream(total: number, compressor: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(zeros(total)).pipe(compressor)) out.push(c as Buffer);
  return Buffer.concat(out);
}
/** 1 GiB of zeros as zstd: 8,192 repeat blocks of 128 KiB, 4 bytes each. */
function zstdBomb(): Buffer {
  const blocks: Buffer[] = [];
  const size = 128 * 1024;
  for (let i = 0; i < GiB / size; i++)
    blocks.push(Buffer.concat([blockHeader(1, size, i === GiB / size - 1), Buffer.from([0])]));
  return zstdFrame(17, blocks);
}

const compressors: Record<"gzip" | "deflate" | "br", (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
};

/** Still answering after the abuse: a real completion on the tiny model. */
async function stillServing(server: TestServer) {
  const ok = await server.openai.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 1,
  });
  expect(ok.object).toBe("chat.completion");
}

describe("compressed request bodies", () => {
  it("decodes gzip, x-gzip, deflate, br and zstd bodies on /v1 (the body reaches the route)", async () => {
    // An unknown model: the 404 names the model, so the route read the decoded JSON, and no
    // generation runs.
    const cases: [string, Buffer][] = [
      ["gzip", compressors.gzip(chatBody("decoded-gzip"))],
      ["x-gzip", compressors.gzip(chatBody("decoded-x-gzip"))],
      ["deflate", compressors.deflate(chatBody("decoded-deflate"))],
      ["br", compressors.br(chatBody("decoded-br"))],
      ["zstd", zstdFrame(17, [rawBlock(chatBody("decoded-zstd"), true)])],
      ["identity", chatBody("decoded-identity")],
    ];
    for (const [coding, body] of cases) {
      const res = await post(t, "/v1/chat/completions", body, { "content-encoding": coding });
      expect([coding, res.status, res.json.error?.code]).toEqual([coding, 404, "model_not_found"]);
      expect(res.json.error?.message).toContain(`'decoded-${coding}'`);
    }
    // A frame from the real zstd encoder (compressed blocks, checksum), in pieces without a length.
    const real = await post(
      t,
      "/v1/chat/completions",
      ZSTD_FIXTURE,
      { "content-encoding": "zstd" },
      true,
    );
    expect(real.json.error?.message).toContain("'decoded-zstd-real'");
  });

  it("runs a real completion from a zstd body, as Codex sends them", async () => {
    const body = zstdFrame(17, [rawBlock(chatBody("tiny"), true)]);
    const res = await post(t, "/v1/chat/completions", body, { "content-encoding": "zstd" });
    expect(res.status).toBe(200);
    expect(res.json.object).toBe("chat.completion");
  });

  it("decodes compressed bodies on /manage/v1 too", async () => {
    const body = Buffer.from(JSON.stringify({ name: "Zed Zstd" }));
    const res = await post(t, "/manage/v1/members", zstdFrame(17, [rawBlock(body, true)]), {
      "content-encoding": "zstd",
    });
    expect(res.status).toBe(201);
    expect((res.json as { name?: string }).name).toBe("Zed Zstd");
    const br = await post(
      t,
      "/manage/v1/members",
      compressors.br(Buffer.from('{"name":"Bo Br"}')),
      {
        "content-encoding": "br",
      },
    );
    expect([br.status, (br.json as { name?: string }).name]).toEqual([201, "Bo Br"]);
  });

  it("decodes stacked codings in reverse order of the header (`gzip, br` is br of gzip)", async () => {
    const body = compressors.br(compressors.gzip(chatBody("decoded-stacked")));
    const res = await post(t, "/v1/chat/completions", body, { "content-encoding": "gzip, br" });
    expect(res.json.error?.message).toContain("'decoded-stacked'");
    // `identity` entries are no coding at all.
    const same = await post(t, "/v1/chat/completions", compressors.gzip(chatBody("decoded-id")), {
      "content-encoding": "identity, gzip",
    });
    expect(same.json.error?.message).toContain("'decoded-id'");
    const ids = await post(t, "/v1/chat/completions", chatBody("decoded-ids"), {
      "content-encoding": "identity, identity",
    });
    expect(ids.json.error?.message).toContain("'decoded-ids'");
  });

  it("refuses a 1 GiB bomb in each coding with 413 at the decoded limit, and keeps serving", async () => {
    const bombs: [string, Buffer][] = [
      ["gzip", await compressStream(GiB, zlib.createGzip({ level: 9 }))],
      ["deflate", await compressStream(GiB, zlib.createDeflate({ level: 9 }))],
      [
        "br",
        await compressStream(
          GiB,
          zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
        ),
      ],
      ["zstd", zstdBomb()],
    ];
    for (const [coding, bomb] of bombs) {
      // Each is far under the 8 MiB wire limit: only the decoded size can refuse it.
      expect(bomb.length).toBeLessThan(2 * MiB);
      const res = await post(t, "/v1/chat/completions", bomb, { "content-encoding": coding });
      expect([coding, res.status, res.json.error]).toEqual([
        coding,
        413,
        {
          message: `Request body too large: it is over ${8 * MiB} bytes once decompressed.`,
          type: "invalid_request_error",
          param: null,
          code: "request_too_large",
        },
      ]);
    }
    // A bomb inside a second coding (gzip over zstd) is refused the same way.
    const stacked = compressors.gzip(zstdBomb());
    const res = await post(t, "/v1/chat/completions", stacked, {
      "content-encoding": "zstd, gzip",
    });
    expect([res.status, res.json.error?.code]).toEqual([413, "request_too_large"]);
    await stillServing(t);
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });

  it("refuses a zstd frame asking for a window above RFC 9659's 8 MiB without allocating it", async () => {
    const body = zstdFrame(30, [rawBlock(chatBody("tiny"), true)]);
    const res = await post(t, "/v1/chat/completions", body, { "content-encoding": "zstd" });
    expect([res.status, res.json.error?.code]).toEqual([400, "invalid_compressed_body"]);
    expect(res.json.error?.message).toBe(
      "The request body is not valid zstd data (Content-Encoding: zstd): window size 1073741824 above the limit of 8388608.",
    );
  });

  it("answers a corrupt or truncated body with 400 invalid_compressed_body in each coding", async () => {
    const json = chatBody("tiny");
    const cases: [string, Buffer][] = [
      ["gzip", json],
      ["gzip", compressors.gzip(json).subarray(0, 20)],
      ["deflate", json],
      ["deflate", compressors.deflate(json).subarray(0, 10)],
      ["br", Buffer.from("\xff\xff\xff\xff not brotli", "latin1")],
      ["br", compressors.br(json).subarray(0, 10)],
      ["zstd", json],
      ["zstd", ZSTD_FIXTURE.subarray(0, 40)],
      ["gzip, br", compressors.br(json)],
    ];
    for (const [coding, body] of cases) {
      const res = await post(t, "/v1/chat/completions", body, { "content-encoding": coding });
      expect([coding, res.status, res.json.error?.code]).toEqual([
        coding,
        400,
        "invalid_compressed_body",
      ]);
      expect(res.json.error?.message).toMatch(
        /^The request body is not valid (gzip|deflate|br|zstd) data/,
      );
    }
    // Decoded fine but not JSON: the same 400 as an identity body that is not JSON.
    const notJson = await post(t, "/v1/chat/completions", compressors.gzip(Buffer.from("{nope")), {
      "content-encoding": "gzip",
    });
    expect([notJson.status, notJson.json.error?.code]).toEqual([400, "invalid_json"]);
  });

  it("answers an unknown coding, or more than two stacked, with 415", async () => {
    for (const coding of ["compress", "lz4", "gzip, snappy", "gzip, gzip, gzip"]) {
      const res = await post(t, "/v1/chat/completions", chatBody("tiny"), {
        "content-encoding": coding,
      });
      expect([coding, res.status, res.json.error?.code]).toEqual([
        coding,
        415,
        "unsupported_media_type",
      ]);
    }
    const res = await post(t, "/v1/chat/completions", chatBody("tiny"), {
      "content-encoding": "lz4",
    });
    expect(res.json.error?.message).toBe(
      'Unsupported Content-Encoding "lz4". Send the body as identity, gzip, deflate, br or zstd.',
    );
  });

  it("applies the limit to the compressed size too, declared or streamed", async () => {
    // Random bytes do not compress: the gzip body is larger than the 64 KiB limit on the wire.
    const noise = Buffer.from(Array.from({ length: 80 * 1024 }, (_, i) => (i * 7919) % 251));
    const gz = zlib.gzipSync(noise, { level: 0 });
    expect(gz.length).toBeGreaterThan(64 * 1024);
    for (const chunked of [false, true]) {
      const res = await post(
        small,
        "/v1/chat/completions",
        gz,
        { "content-encoding": "gzip" },
        chunked,
      );
      expect([chunked, res.status, res.json.error?.message]).toEqual([
        chunked,
        413,
        `Request body too large: the compressed body is over ${64 * 1024} bytes.`,
      ]);
    }
    // A body that compresses well may be larger than the limit only once decoded: 413 as well.
    const big = zlib.gzipSync(Buffer.alloc(65 * 1024, 0x20));
    const res = await post(small, "/v1/chat/completions", big, { "content-encoding": "gzip" });
    expect([res.status, res.json.error?.message]).toEqual([
      413,
      `Request body too large: it is over ${64 * 1024} bytes once decompressed.`,
    ]);
    await stillServing(small);
  });

  it("still gives a compressed body that stops arriving a 408 at the body deadline", async () => {
    const gz = compressors.gzip(chatBody("tiny"));
    const { host, port } = hostPort(slow.url);
    const reply = await new Promise<ReturnType<typeof parseReply>>((resolve) => {
      const socket = net.connect(port, host, () => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}:${port}\r\n` +
            `Authorization: ${slow.auth.authorization}\r\nContent-Type: application/json\r\n` +
            `Content-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
        );
        // Half the body, then nothing.
        socket.write(gz.subarray(0, gz.length >> 1));
      });
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("close", () => resolve(parseReply(Buffer.concat(chunks))));
      socket.on("error", () => {});
    });
    expect(reply?.status).toBe(408);
    expect(reply?.headers.connection).toBe("close");
    expect((reply?.json as Reply["json"]).error?.code).toBe("request_timeout");
  });
});
