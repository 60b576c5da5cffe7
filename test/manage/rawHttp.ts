import http from "node:http";
import net from "node:net";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted by value
type Json = any;

/**
 * Raw HTTP on a connection of its own (`agent: false` sends `Connection: close`), so that the
 * connections these tests count are exactly the ones they open.
 */
export function raw(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: urlPath, agent: false, headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text && JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.setHeader("content-type", "application/json");
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Bounded wait for the server to have seen what a test's sockets did. */
export async function until(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** How a new connection to `host:port` fares: `connected`, or the error code (`ECONNREFUSED`). */
export function refusedAt(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}
