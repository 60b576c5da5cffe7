import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake server answered. */
export interface ServedRequest {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
  /** Body bytes written to the socket for this request. */
  bytes: number;
}

/** Holds every transfer at byte `at` of the file until `release()` (a deterministic mid-way stop). */
export interface Gate {
  at: number;
  release(): void;
}

/**
 * A model host on 127.0.0.1 serving one file (a generated GGUF) the way Hugging Face's CDN does:
 * ETag, Last-Modified, `Range: bytes=N-` → 206 with Content-Range, 416 past the end. Knobs make
 * it misbehave: ignore ranges, change the ETag, hold transfers at a byte (`gate`). Paths:
 *   /files/<name>          the file
 *   /redirect/<name>       302 → /files/<name>
 *   /loop/<name>           302 → itself (a redirect loop)
 *   /away/<name>           302 → http://10.255.255.1/<name> (plain http off this machine)
 *   /to/<url, encoded>     302 → that URL (a hostile host sending the download anywhere)
 *   /html/<name>           200 with an HTML page (not GGUF)
 *   /missing/<name>        404
 *   /chunked/<name>        200 with the file, chunked: no Content-Length (size unknown)
 *   /huge/<name>           200 announcing 1 PiB, sending the GGUF magic, then holding the line
 */
export class FakeModelServer {
  readonly requests: ServedRequest[] = [];
  etag = '"v1"';
  lastModified = "Wed, 01 Jan 2025 00:00:00 GMT";
  ignoreRange = false;
  private gateAt: number | null = null;
  private opened: () => void = () => undefined;
  private released: Promise<void> = Promise.resolve();
  private readonly server: http.Server;
  url = "";

  constructor(private readonly body: Buffer) {
    this.server = http.createServer((req, res) => void this.answer(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Holds transfers at byte `at` until the returned gate is released. */
  gate(at: number): Gate {
    this.gateAt = at;
    this.released = new Promise<void>((resolve) => (this.opened = resolve));
    return {
      at,
      release: () => {
        this.gateAt = null;
        this.opened();
      },
    };
  }

  /** Body bytes served, over all requests. */
  get bytesServed(): number {
    return this.requests.reduce((n, r) => n + r.bytes, 0);
  }

  async close(): Promise<void> {
    this.opened();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const [, kind, name] = /^\/([a-z]+)\/(.+)$/.exec(req.url ?? "") ?? [];
    const record: ServedRequest = {
      path: req.url ?? "",
      range: req.headers.range,
      ifRange: req.headers["if-range"] as string | undefined,
      status: 0,
      bytes: 0,
    };
    this.requests.push(record);
    const send = (status: number, headers: http.OutgoingHttpHeaders, text = "") => {
      record.status = status;
      res.writeHead(status, headers).end(text);
    };
    if (kind === "redirect") return send(302, { location: `/files/${name}` });
    if (kind === "loop") return send(302, { location: `/loop/${name}` });
    if (kind === "to") return send(302, { location: decodeURIComponent(name!) });
    if (kind === "away") return send(302, { location: `http://10.255.255.1/${name}` });
    if (kind === "missing") return send(404, { "content-type": "text/plain" }, "no such file");
    if (kind === "html") {
      const page = "<!doctype html><html><body>Please sign in</body></html>";
      return send(200, { "content-type": "text/html", "content-length": page.length }, page);
    }
    if (kind === "huge") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 2 ** 50 });
      res.write(this.body.subarray(0, 8));
      record.bytes = 8;
      return; // held open until the client goes away (or close())
    }
    if (kind === "chunked") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      // Several chunks, so a bound can stop the transfer part-way.
      for (let at = 0; at < this.body.length; at += 1024) {
        res.write(this.body.subarray(at, at + 1024));
        record.bytes += Math.min(1024, this.body.length - at);
      }
      res.end();
      return;
    }
    if (kind !== "files") return send(404, {});

    const size = this.body.length;
    const validators = { etag: this.etag, "last-modified": this.lastModified };
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let start = 0;
    if (m && !this.ignoreRange) {
      start = Number(m[1]);
      if (start >= size) return send(416, { ...validators, "content-range": `bytes */${size}` });
      record.status = 206;
      res.writeHead(206, {
        ...validators,
        "accept-ranges": "bytes",
        "content-type": "application/octet-stream",
        "content-length": size - start,
        "content-range": `bytes ${start}-${size - 1}/${size}`,
      });
    } else {
      record.status = 200;
      res.writeHead(200, {
        ...validators,
        "accept-ranges": "bytes",
        "content-type": "application/octet-stream",
        "content-length": size,
      });
    }
    let closed = false;
    res.on("close", () => (closed = true));
    const write = (from: number, to: number) => {
      if (closed || to <= from) return;
      res.write(this.body.subarray(from, to));
      record.bytes += to - from;
    };
    const gate = this.gateAt;
    if (gate !== null && start < gate) {
      write(start, gate);
      await this.released;
      write(gate, size);
    } else write(start, size);
    if (!closed) res.end();
  }
}

export const startFakeModelServer = (body: Buffer) => new FakeModelServer(body).start();
