import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { hostPort, parseReply, rawMessage, rawRequest, trickle } from "../helpers/rawSocket.js";

/**
 * Slow and numerous clients (issue 14, item 4): the audit held 150 connections open for 130 s+
 * by trickling bodies, with and without a key. Deadlines are shortened (0.5 s) so these run in
 * seconds; every assertion is on answers, counts and order, never on elapsed time. A trickling
 * client writes one byte every 25 ms and gives up after 200: "closed by the server" means the
 * server ended the connection first.
 */
let t: TestServer;
let host: string;
beforeAll(async () => {
  t = await startTestServer({
    // The request deadline far above the others: the 408s below come from them, not from it.
    server: { headersTimeoutS: 0.5, bodyTimeoutS: 0.5, requestTimeoutS: 30 },
  });
  host = t.url.slice("http://".length);
});
afterAll(async () => {
  await t?.close();
});

const errorCode = (json: unknown) => (json as { error?: { code?: string } }).error?.code;
const head = (method: string, path: string, headers: Record<string, string> = {}) =>
  `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
  `${Object.entries(headers)
    .map(([n, v]) => `${n}: ${v}\r\n`)
    .join("")}Content-Length: 1000000\r\n\r\n{"model":`;

describe("slow clients", () => {
  it("answers 20 unauthenticated trickling bodies before reading them, and closes each connection", async () => {
    const paths = ["/v1/chat/completions", "/v1/messages", "/manage/v1/members", "/health", "/x"];
    const slow = Array.from({ length: 20 }, (_, i) => trickle(t.url, head("POST", paths[i % 5]!)));
    // Meanwhile the server answers everyone else.
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
    const done = await Promise.all(slow);
    expect(done.map((d) => [d.reply?.status, errorCode(d.reply?.json), d.closedByServer])).toEqual(
      Array.from({ length: 20 }, (_, i) =>
        i % 5 === 1 // Anthropic's error shape on /v1/messages
          ? [401, undefined, true]
          : i % 5 < 3
            ? [401, "invalid_api_key", true]
            : [404, "unknown_url", true],
      ),
    );
    expect(done.filter((d) => d.reply?.headers.connection === "close")).toHaveLength(20);
    expect(done.filter((d) => d.chunks < 200)).toHaveLength(20);
  });

  it("gives an authenticated body that does not arrive in time a 408, in each route's error shape", async () => {
    const auth = { Authorization: t.auth.authorization };
    const [openai, anthropic, manage] = await Promise.all([
      trickle(t.url, head("POST", "/v1/chat/completions", auth)),
      trickle(t.url, head("POST", "/v1/messages", auth)),
      trickle(t.url, head("POST", "/manage/v1/members", auth)),
    ]);
    for (const d of [openai, anthropic, manage]) {
      expect(d.reply?.status).toBe(408);
      expect(d.reply?.headers.connection).toBe("close");
      expect(d.closedByServer).toBe(true);
      expect(d.chunks).toBeLessThan(200);
    }
    expect(openai.reply?.json).toEqual({
      error: {
        message: "The request body did not arrive within 0.5 s.",
        type: "invalid_request_error",
        param: null,
        code: "request_timeout",
      },
    });
    expect(manage.reply?.json).toEqual(openai.reply?.json);
    expect(anthropic.reply?.json).toMatchObject({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "The request body did not arrive within 0.5 s.",
      },
    });
    // Nothing was recorded for them, and real requests go on.
    const models = await fetch(`${t.url}/v1/models`, { headers: t.auth });
    expect(models.status).toBe(200);
    expect(t.logs.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });

  it("cuts a client that trickles its headers, or sends nothing, with a 408", async () => {
    const [headers, silent] = await Promise.all([
      trickle(t.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\n`, { chunk: "X-A: a\r\n" }),
      trickle(t.url, "", { chunk: "" }),
    ]);
    for (const d of [headers, silent]) {
      expect([d.reply?.status, errorCode(d.reply?.json), d.closedByServer]).toEqual([
        408,
        "request_timeout",
        true,
      ]);
      expect(d.chunks).toBeLessThan(200);
    }
  });

  it("asks only an authenticated client that expects 100-continue for its body", async () => {
    const expect100 = (auth: Record<string, string>) =>
      trickle(
        t.url,
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nExpect: 100-continue\r\n` +
          `${Object.entries(auth)
            .map(([n, v]) => `${n}: ${v}\r\n`)
            .join("")}Content-Length: 2\r\n\r\n`,
        { chunk: "", maxChunks: 200 },
      );
    const anonymous = await expect100({});
    expect(anonymous.received.startsWith("HTTP/1.1 401 ")).toBe(true);
    expect(anonymous.closedByServer).toBe(true);
    // The owner is told to continue; sending `{}` then gets the answer to an empty request.
    const { host: h, port } = hostPort(t.url);
    const socket = net.connect(port, h);
    const received: Buffer[] = [];
    await new Promise<void>((resolve) => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nExpect: 100-continue\r\n` +
          `Authorization: ${t.auth.authorization}\r\nConnection: close\r\nContent-Length: 2\r\n\r\n`,
      );
      socket.on("data", (c: Buffer) => {
        received.push(c);
        if (Buffer.concat(received).toString().startsWith("HTTP/1.1 100 Continue\r\n\r\n"))
          socket.write("{}");
      });
      socket.on("close", () => resolve());
    });
    const text = Buffer.concat(received).toString("latin1");
    expect(text.startsWith("HTTP/1.1 100 Continue\r\n\r\n")).toBe(true);
    const answer = parseReply(Buffer.from(text.slice("HTTP/1.1 100 Continue\r\n\r\n".length)));
    expect([answer?.status, errorCode(answer?.json)]).toEqual([400, "missing_required_parameter"]);
  });
});

describe("connections per client address, and responses longer than the deadlines", () => {
  let capped: TestServer;
  beforeAll(async () => {
    capped = await startTestServer({
      server: {
        maxConnectionsPerAddress: 4,
        capLoopbackConnections: true,
        headersTimeoutS: 0.5,
        requestTimeoutS: 1,
      },
    });
  });
  afterAll(async () => {
    await capped?.close();
  });

  it("never cuts a response that streams for longer than every request deadline", async () => {
    // The event stream stays open while 30 events are sent 0.1 s apart: 3 s, six times the
    // header deadline and three times the request deadline, which bound only the receiving of
    // a request.
    const res = await fetch(`${capped.url}/manage/v1/events`, { headers: capped.auth });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      capped.core.events.emit({ type: "test.tick", memberId: null, data: { i } });
      while (!text.includes(`"data":{"i":${i}}`)) {
        const { value, done } = await reader.read();
        expect(done, `stream ended before event ${i}`).toBe(false);
        text += decoder.decode(value, { stream: true });
      }
    }
    expect(text.match(/^event: test\.tick$/gm)).toHaveLength(30);
    await reader.cancel();
  });

  /** A keep-alive connection that asked for /health once and stays open. */
  async function keepAlive(): Promise<{ status: number; socket: net.Socket }> {
    const { host: h, port } = hostPort(capped.url);
    const socket = net.connect(port, h);
    socket.on("error", () => undefined);
    const data: Buffer[] = [];
    const status = await new Promise<number>((resolve) => {
      socket.write(`GET /health HTTP/1.1\r\nHost: ${capped.url.slice(7)}\r\n\r\n`);
      socket.on("data", (c: Buffer) => {
        data.push(c);
        const reply = parseReply(Buffer.concat(data));
        if (reply && reply.body.length >= Number(reply.headers["content-length"] ?? 0))
          resolve(reply.status);
      });
      socket.on("close", () => resolve(parseReply(Buffer.concat(data))?.status ?? 0));
    });
    return { status, socket };
  }

  it("accepts up to the cap, refuses the rest with a 429, and accepts again once one closes", async () => {
    // Start from no open connection (the stream above has closed).
    for (let i = 0; i < 200 && capped.core.server.clients().sockets > 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(capped.core.server.clients().sockets).toBe(0);
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await keepAlive());
    expect(held.map((h) => h.status)).toEqual([200, 200, 200, 200]);
    const refused = [];
    for (let i = 0; i < 3; i++)
      refused.push(
        await rawRequest(capped.url, rawMessage("GET", "/health", { Host: capped.url.slice(7) })),
      );
    expect(refused.map((r) => [r.status, errorCode(r.json), r.headers["retry-after"]])).toEqual([
      [429, "too_many_connections", "1"],
      [429, "too_many_connections", "1"],
      [429, "too_many_connections", "1"],
    ]);
    expect([refused[0]!.headers.connection, refused[0]!.headers["x-frame-options"]]).toEqual([
      "close",
      "DENY",
    ]);
    expect((refused[0]!.json as { error: { message: string } }).error.message).toBe(
      "Too many open connections from your address (at most 4). Close some, or retry later.",
    );
    // One held connection closes: its place is free again (once the server has seen the close).
    held.shift()!.socket.destroy();
    let again = await keepAlive();
    for (let i = 0; i < 100 && again.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await keepAlive();
    }
    expect(again.status).toBe(200);
    held.push(again);
    expect(
      (await rawRequest(capped.url, rawMessage("GET", "/health", { Host: capped.url.slice(7) })))
        .status,
    ).toBe(429);
    for (const h of held) h.socket.destroy();
  });
});
