import net from "node:net";

/** One HTTP answer read off a raw socket. */
export interface RawReply {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

/** Host and port of a server URL such as `http://127.0.0.1:4747`. */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) };
}

/** Parses the first HTTP/1.1 response in `data` (Content-Length or until close; no chunking). */
export function parseReply(data: Buffer): RawReply | null {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = data.subarray(end + 4);
  if (headers["transfer-encoding"]?.includes("chunked")) body = unchunk(body);
  else if (headers["content-length"] !== undefined)
    body = body.subarray(0, Number(headers["content-length"]));
  const text = body.toString("utf8");
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, body: text, json };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Writes `request` (exact bytes: paths and headers as given, nothing normalised) on a new
 * connection and reads until the server closes it. Send `Connection: close` for an answer to
 * end the read. Rejects after `timeoutMs` of silence (default 30 s).
 */
export function rawRequest(url: string, request: string | Buffer, timeoutMs = 30_000) {
  const { host, port } = hostPort(url);
  return new Promise<RawReply>((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("no answer")));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err) => {
      // A reset after a complete answer (the server closed with unread input) still answered.
      const reply = parseReply(Buffer.concat(chunks));
      if (reply) resolve(reply);
      else reject(err);
    });
    socket.on("close", () => {
      const reply = parseReply(Buffer.concat(chunks));
      if (reply) resolve(reply);
      else reject(new Error("closed without an answer"));
    });
  });
}

/** `METHOD path` with the given headers and body, `Connection: close`, as raw bytes. */
export function rawMessage(
  method: string,
  path: string,
  headers: Record<string, string> | [string, string][],
  body = "",
): string {
  const list = Array.isArray(headers) ? headers : Object.entries(headers);
  const all: [string, string][] = [
    ["Connection", "close"],
    ...list,
    ...(body || ["POST", "PUT", "PATCH"].includes(method)
      ? ([["Content-Length", String(Buffer.byteLength(body))]] as [string, string][])
      : []),
  ];
  return `${method} ${path} HTTP/1.1\r\n${all.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n${body}`;
}

/** How a trickling client fared. */
export interface Trickled {
  /** The first answer the server sent, if any. */
  reply: RawReply | null;
  /** Every byte the server sent, as text (a `100 Continue` shows here before the answer). */
  received: string;
  /** Body chunks the client had written when the connection ended (or it gave up). */
  chunks: number;
  /** True when the server ended the connection; false when the client gave up after `maxChunks`. */
  closedByServer: boolean;
}

/**
 * A slow client: writes `head` (a request's start: headers, or part of them), then one byte of
 * `chunk` every `everyMs` ms, at most `maxChunks` times (default 200), and reports what the
 * server answered and whether the server closed the connection before the client gave up.
 */
export function trickle(
  url: string,
  head: string,
  opts: { chunk?: string; everyMs?: number; maxChunks?: number } = {},
): Promise<Trickled> {
  const { host, port } = hostPort(url);
  const { chunk = "a", everyMs = 25, maxChunks = 200 } = opts;
  return new Promise((resolve) => {
    const data: Buffer[] = [];
    let chunks = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      socket.destroy();
      const text = Buffer.concat(data).toString("latin1");
      // Skip interim answers (100 Continue) to the final one.
      const final = text.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "");
      resolve({
        reply: parseReply(Buffer.from(final, "latin1")),
        received: text,
        chunks,
        closedByServer,
      });
    };
    // The head first, then the trickle: nothing is written before the connection is up.
    const socket = net.connect(port, host, () => {
      socket.write(head);
      timer = setInterval(() => {
        if (chunks >= maxChunks) return finish(false);
        chunks++;
        socket.write(chunk);
      }, everyMs);
    });
    socket.on("data", (c: Buffer) => data.push(c));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
  });
}
