import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANONYMOUS_LOOPBACK_SETTING } from "../../src-main/app/createCore.js";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import { manageRoutes } from "../../src-main/server/manage/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

/** Every authenticated route, with a body that succeeds when the key is good. */
const ROUTES: { method: "GET" | "POST"; path: string; body?: object }[] = [
  { method: "GET", path: "/v1/models" },
  { method: "GET", path: "/v1/models/tiny" },
  {
    method: "POST",
    path: "/v1/chat/completions",
    body: { model: "tiny", messages: [{ role: "user", content: "1" }], max_tokens: 1 },
  },
  { method: "POST", path: "/v1/completions", body: { model: "tiny", prompt: "1", max_tokens: 1 } },
  { method: "POST", path: "/v1/embeddings", body: { model: "tiny", input: "1" } },
  { method: "GET", path: "/manage/v1/me" },
];

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.close());

/** A JSON body for methods that carry one. */
const bodyFor = (method: string) => (["post", "put", "patch"].includes(method) ? {} : undefined);

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Raw HTTP, so tests control every header (fetch refuses to set Host). */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: object,
): Promise<Reply> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { "content-type": "application/json", ...headers },
        setHost: !("host" in headers),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

describe("authentication on every route", () => {
  it("every credential variant gets the same answer on every route", async () => {
    const good = t.addMember();
    const revoked = t.addMember();
    t.core.store.keys.revoke(revoked.keyId);
    const disabled = t.addMember();
    t.core.store.members.setStatus(disabled.id, "disabled");
    const expiring = generateApiKey();
    t.core.store.keys.create({
      memberId: good.id,
      name: "expired",
      hash: expiring.hash,
      prefix: expiring.prefix,
      last4: expiring.last4,
      expiresMs: Date.now() - 1000,
    });
    const unknown = generateApiKey().plain;
    const badChecksum = good.key.slice(0, -1) + (good.key.endsWith("A") ? "B" : "A");

    const cases: {
      name: string;
      headers: Record<string, string>;
      query?: string;
      status: number;
      secret?: string;
    }[] = [
      { name: "no key", headers: {}, status: 401 },
      { name: "not a Benchtop key", headers: { authorization: "Bearer sk-nope" }, status: 401 },
      {
        name: "bad checksum",
        headers: { authorization: `Bearer ${badChecksum}` },
        status: 401,
        secret: badChecksum,
      },
      {
        name: "unknown key",
        headers: { authorization: `Bearer ${unknown}` },
        status: 401,
        secret: unknown,
      },
      {
        name: "revoked",
        headers: { authorization: `Bearer ${revoked.key}` },
        status: 401,
        secret: revoked.key,
      },
      {
        name: "expired",
        headers: { "x-api-key": expiring.plain },
        status: 401,
        secret: expiring.plain,
      },
      {
        name: "disabled member",
        headers: { "x-api-key": disabled.key },
        status: 401,
        secret: disabled.key,
      },
      {
        name: "in the query",
        headers: {},
        query: `?key=${good.key}`,
        status: 401,
        secret: good.key,
      },
      {
        name: "header and query",
        headers: { authorization: `Bearer ${good.key}` },
        query: `?api_key=${good.key}`,
        status: 401,
        secret: good.key,
      },
      { name: "Bearer", headers: { authorization: `Bearer ${good.key}` }, status: 200 },
      {
        name: "bearer, lower case, padded",
        headers: { authorization: `bearer   ${good.key} ` },
        status: 200,
      },
      { name: "x-api-key", headers: { "x-api-key": good.key }, status: 200 },
    ];
    for (const route of ROUTES) {
      for (const c of cases) {
        const r = await send(route.method, route.path + (c.query ?? ""), c.headers, route.body);
        expect({ route: route.path, case: c.name, status: r.status }).toEqual({
          route: route.path,
          case: c.name,
          status: c.status,
        });
        if (c.status === 401) {
          expect(JSON.parse(r.text).error).toMatchObject({
            type: "invalid_request_error",
            code: "invalid_api_key",
          });
          expect(r.headers["www-authenticate"]).toBe('Bearer realm="benchtop"');
        }
        // No key material in any answer, refused or not.
        for (const secret of [c.secret, good.key].filter(Boolean))
          expect(r.text).not.toContain(secret);
      }
    }
    // Nothing a refused request did reached the ledger.
    const refusedMembers = [revoked.id, disabled.id];
    const rows = t.core.db
      .prepare(`SELECT count(*) AS n FROM usage WHERE member_id IN (?, ?)`)
      .get(...refusedMembers) as { n: number };
    expect(rows.n).toBe(0);
  });

  it("every management route refuses every invalid credential before doing anything", async () => {
    const m = t.addMember();
    t.core.store.keys.revoke(m.keyId);
    const auditRows = () =>
      (t.core.db.prepare("SELECT count(*) AS n FROM audit_log").get() as { n: number }).n;
    const before = auditRows();
    const invalid: Record<string, string>[] = [
      {},
      { authorization: "Bearer sk-nope" },
      { authorization: `Bearer ${generateApiKey().plain}` },
      { "x-api-key": m.key },
    ];
    expect(manageRoutes.length).toBeGreaterThan(25);
    for (const r of manageRoutes) {
      const path = `/manage/v1${r.path.replace(/:[a-z_]+|\*[a-z_]+/g, "x")}`;
      for (const headers of invalid) {
        const res = await send(r.method.toUpperCase(), path, headers, bodyFor(r.method));
        expect({ route: `${r.method} ${path}`, status: res.status }).toEqual({
          route: `${r.method} ${path}`,
          status: 401,
        });
        expect(res.text).not.toContain(m.key);
      }
      const inQuery = await send(
        r.method.toUpperCase(),
        `${path}?key=${m.key}`,
        t.auth,
        bodyFor(r.method),
      );
      expect(inQuery.status).toBe(401);
    }
    expect(auditRows()).toBe(before);
  });

  it("never writes a key into a log line", () => {
    const text = JSON.stringify(t.logs);
    const keys = t.core.db.prepare("SELECT prefix, last4 FROM api_keys").all() as {
      prefix: string;
      last4: string;
    }[];
    expect(keys.length).toBeGreaterThan(5);
    expect(text).not.toContain(t.core.ownerToken);
    expect(text).not.toMatch(/btk_[0-9A-Za-z]{38}/);
  });

  it("revoking a key takes effect on the very next request", async () => {
    const m = t.addMember();
    const headers = { "x-api-key": m.key };
    expect((await send("GET", "/v1/models", headers)).status).toBe(200);
    t.core.store.keys.revoke(m.keyId);
    const next = await send("GET", "/v1/models", headers);
    expect(next.status).toBe(401);
    expect(JSON.parse(next.text).error.message).toBe("This API key has been revoked.");
  });

  it("anonymous local use is off by default and, when allowed, covers inference only", async () => {
    expect((await send("GET", "/v1/models")).status).toBe(401);
    t.core.store.settings.set(ANONYMOUS_LOOPBACK_SETTING, true);
    try {
      expect((await send("GET", "/v1/models")).status).toBe(200);
      expect((await send("POST", "/v1/completions", {}, ROUTES[3]!.body)).status).toBe(200);
      expect((await send("GET", "/manage/v1/me")).status).toBe(401);
      // A key in the URL is still refused, never silently ignored.
      expect((await send("GET", "/v1/models?key=btk_x")).status).toBe(401);
    } finally {
      t.core.store.settings.set(ANONYMOUS_LOOPBACK_SETTING, false);
    }
    expect((await send("GET", "/v1/models")).status).toBe(401);
  });
});

describe("Host and Origin checks (DNS rebinding, cross-site requests)", () => {
  const port = () => new URL(t.url).port;

  it("refuses a Host header that does not name this server", async () => {
    const auth = t.auth;
    for (const host of [
      "evil.example",
      `evil.example:${port()}`,
      "",
      `:${port()}`,
      "127.0.0.1:1",
      `127.0.0.2:${port()}`,
      `localhost.evil.example:${port()}`,
    ]) {
      const r = await send("GET", "/v1/models", { ...auth, host });
      expect({ host, status: r.status }).toEqual({ host, status: 403 });
      expect(JSON.parse(r.text).error.code).toBe("forbidden_host");
    }
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `LOCALHOST:${port()}`])
      expect((await send("GET", "/v1/models", { ...auth, host })).status).toBe(200);
    // /health and the UI are behind the same check.
    expect((await send("GET", "/health", { host: "evil.example" })).status).toBe(403);
  });

  it("refuses foreign browser origins, never grants CORS or private-network access by default", async () => {
    for (const origin of ["https://evil.example", "null", `http://evil.example:${port()}`]) {
      const r = await send("GET", "/v1/models", { ...t.auth, origin });
      expect(r.status).toBe(403);
      expect(r.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const preflight = await send("OPTIONS", "/v1/chat/completions", {
      origin: "https://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-private-network": "true",
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers["access-control-allow-private-network"]).toBeUndefined();
    // The UI's own origin is fine.
    expect(
      (await send("GET", "/v1/models", { ...t.auth, origin: `http://127.0.0.1:${port()}` })).status,
    ).toBe(200);
  });
});

describe("configured CORS origins", () => {
  it("answer preflights for exactly those origins, echoed, never *", async () => {
    const s = await startTestServer({ server: { corsOrigins: ["https://notebook.lab.example"] } });
    try {
      const res = await fetch(`${s.url}/v1/models`, {
        method: "OPTIONS",
        headers: {
          origin: "https://notebook.lab.example",
          "access-control-request-method": "GET",
          "access-control-request-private-network": "true",
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://notebook.lab.example");
      expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
      expect(res.headers.get("access-control-allow-private-network")).toBeNull();
      const other = await fetch(`${s.url}/v1/models`, {
        headers: { ...s.auth, origin: "https://other.example" },
      });
      expect(other.status).toBe(403);
    } finally {
      await s.close();
    }
  });
});

describe("sharing on the LAN", () => {
  it("refuses to start while no member has a key", async () => {
    await expect(startTestServer({ server: { host: "0.0.0.0" } })).rejects.toThrow(
      /Refusing to share on the LAN \(0\.0\.0\.0\): no member other than the owner has a live API key/,
    );
  });
});
