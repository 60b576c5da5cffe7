import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src-main/app/config.js";
import { lanRefusalMessage } from "../../src-main/app/hostNames.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client } from "./manageClient.js";
import { raw, refusedAt, until } from "./rawHttp.js";

const portOf = (t: TestServer) => Number(new URL(t.core.url!).port);
const getServer = (t: TestServer, port = portOf(t), key = t.core.ownerToken) =>
  raw(port, "GET", "/manage/v1/server", { authorization: `Bearer ${key}` });
const patchServer = (t: TestServer, body: unknown, key = t.core.ownerToken) =>
  raw(portOf(t), "PATCH", "/manage/v1/server", { authorization: `Bearer ${key}` }, body);

const refused = (port: number) => refusedAt("127.0.0.1", port);

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("GET /server", () => {
  it("reports the binding, the loopback URL, this request's connection and an idle engine", async () => {
    t = await startTestServer();
    const port = portOf(t);
    const started = t.core.serverControl.startedMs;
    const before = Date.now();
    const r = await getServer(t);
    const after = Date.now();
    expect(r.status).toBe(200);
    const { uptime_s, ...rest } = r.body;
    expect(uptime_s).toBeGreaterThanOrEqual(Math.floor((before - started) / 1000));
    expect(uptime_s).toBeLessThanOrEqual(Math.floor((after - started) / 1000));
    expect(rest).toEqual({
      host: "127.0.0.1",
      port,
      lan: false,
      api_paused: false,
      urls: [{ base_url: `http://127.0.0.1:${port}/v1`, via: "loopback" }],
      started_ms: started,
      clients: {
        sockets: 1,
        by_address: [{ address: "127.0.0.1", sockets: 1, in_flight: 0 }],
        event_subscribers: 0,
      },
      in_flight: { requests: 0, by_member: [] },
      engine: { max_queue: 64, models: [] },
    });
  });

  it("counts exactly the connections, event streams and /v1 requests the test opened", async () => {
    t = await startTestServer();
    const port = portOf(t);
    const m = t.addMember({ name: "Ada" });
    const idle = await Promise.all(
      [0, 1, 2].map(async () => {
        const s = net.connect(port, "127.0.0.1");
        await once(s, "connect");
        return s;
      }),
    );
    // A /v1 request whose body is still arriving: authenticated, so in flight, and unanswered.
    const pending = net.connect(port, "127.0.0.1");
    await once(pending, "connect");
    pending.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Authorization: Bearer ${m.key}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 100\r\n\r\n{"model":`,
    );
    const events = http.get({
      host: "127.0.0.1",
      port,
      path: "/manage/v1/events",
      agent: false,
      headers: { authorization: `Bearer ${m.key}` },
    });
    const [eventsRes] = (await once(events, "response")) as [http.IncomingMessage];
    await once(eventsRes, "data");

    await until(async () => (await getServer(t!)).body.in_flight.requests === 1, "the request");
    const r = (await getServer(t)).body;
    // 3 idle + the pending request + the event stream + this request's own.
    expect(r.clients).toEqual({
      sockets: 6,
      by_address: [{ address: "127.0.0.1", sockets: 6, in_flight: 1 }],
      event_subscribers: 1,
    });
    expect(r.in_flight).toEqual({
      requests: 1,
      by_member: [{ member_id: m.id, name: "Ada", requests: 1 }],
    });

    for (const s of [...idle, pending]) s.destroy();
    events.destroy();
    await until(async () => (await getServer(t!)).body.clients.sockets === 1, "the closes");
    expect((await getServer(t)).body.clients).toEqual({
      sockets: 1,
      by_address: [{ address: "127.0.0.1", sockets: 1, in_flight: 0 }],
      event_subscribers: 0,
    });
  });

  it("is for staff: viewers read it, members may not", async () => {
    t = await startTestServer();
    expect((await getServer(t, portOf(t), t.addMember({ role: "viewer" }).key)).status).toBe(200);
    const member = await getServer(t, portOf(t), t.addMember().key);
    expect(member.status).toBe(403);
    expect(member.body.error.type).toBe("permission_error");
  });
});

describe("PATCH /server", () => {
  it("moves the listener to another port: the old one refuses, the new one answers, a request in flight finishes", async () => {
    t = await startTestServer();
    const oldPort = portOf(t);
    // A request in flight on the old port: its body arrives only after the move.
    const body = JSON.stringify({
      model: "tiny",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 1,
    });
    const inFlight = net.connect(oldPort, "127.0.0.1");
    await once(inFlight, "connect");
    let answer = "";
    inFlight.setEncoding("utf8").on("data", (c: string) => (answer += c));
    const ended = once(inFlight, "end");
    inFlight.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${oldPort}\r\n` +
        `Authorization: Bearer ${t.core.ownerToken}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await until(async () => (await getServer(t!)).body.in_flight.requests === 1, "the request");

    const audits = auditCount(t);
    const r = await patchServer(t, { port: 0 });
    expect(r.status).toBe(200);
    const newPort = r.body.port as number;
    expect(newPort).not.toBe(oldPort);
    expect(r.body).toMatchObject({ host: "127.0.0.1", port: newPort, lan: false });
    expect(r.body.urls).toEqual([{ base_url: `http://127.0.0.1:${newPort}/v1`, via: "loopback" }]);
    expect(t.core.url).toBe(`http://127.0.0.1:${newPort}`);

    await expect(refused(oldPort)).resolves.toBe("ECONNREFUSED");
    expect((await raw(newPort, "GET", "/health")).status).toBe(200);
    expect((await getServer(t)).body.port).toBe(newPort);

    // The request that started on the old port is answered, and then its connection closes.
    inFlight.write(body.slice(10));
    await ended;
    const [head, json] = answer.split("\r\n\r\n");
    expect(head!.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(JSON.parse(json!)).toMatchObject({ object: "chat.completion", model: "tiny" });
    inFlight.destroy();

    // Audited, and written to the config file the next start reads.
    expect(auditCount(t)).toBe(audits + 1);
    const row = auditRows(t).at(-1)!;
    expect(row).toMatchObject({ action: "server.update", target_type: "server" });
    expect(JSON.parse(row.before_json as string)).toEqual({
      host: "127.0.0.1",
      port: oldPort,
      lan: false,
      api_paused: false,
    });
    expect(JSON.parse(row.after_json as string)).toEqual({
      host: "127.0.0.1",
      port: newPort,
      lan: false,
      api_paused: false,
    });
    const config = loadConfig({ dataDir: t.core.config.dataDir }, {});
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: newPort });
  });

  it("refuses the LAN while no member has a live key (409, nothing changed), then shares", async () => {
    t = await startTestServer();
    const port = portOf(t);
    const audits = auditCount(t);
    const r = await patchServer(t, { lan: true });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      error: {
        message: lanRefusalMessage("0.0.0.0"),
        type: "invalid_request_error",
        param: "lan",
        code: "lan_requires_member_key",
      },
    });
    expect((await getServer(t)).body).toMatchObject({ host: "127.0.0.1", port, lan: false });
    expect(auditCount(t)).toBe(audits);
    expect(fs.existsSync(path.join(t.core.config.dataDir, "config.json"))).toBe(false);

    const lanAddress = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a?.family === "IPv4" && !a.internal)?.address;
    if (lanAddress) await expect(refusedAt(lanAddress, port)).resolves.toBe("ECONNREFUSED");

    t.addMember();
    const shared = await patchServer(t, { lan: true });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ host: "0.0.0.0", port, lan: true });
    const expected = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
      (list ?? [])
        .filter((a) => a.family === "IPv4" && !a.internal)
        .map((a) => ({ base_url: `http://${a.address}:${port}/v1`, via: name })),
    );
    const host = os.hostname().toLowerCase();
    expected.push({
      base_url: `http://${host.endsWith(".local") ? host : `${host}.local`}:${port}/v1`,
      via: "mdns",
    });
    expect(shared.body.urls).toEqual(expected);
    expect(loadConfig({ dataDir: t.core.config.dataDir }, {}).server).toMatchObject({
      host: "0.0.0.0",
      port,
    });
    // Now reachable on this machine's LAN address, with that address as the Host.
    if (lanAddress) {
      const res = await fetch(`http://${lanAddress}:${port}/health`);
      expect(res.status).toBe(200);
    }

    const back = await patchServer(t, { lan: false });
    expect(back.body).toMatchObject({ host: "127.0.0.1", port, lan: false });
    if (lanAddress) await expect(refusedAt(lanAddress, port)).resolves.toBe("ECONNREFUSED");
  });

  it("answers 409 for a port in use and keeps listening where it was", async () => {
    t = await startTestServer();
    const port = portOf(t);
    const blocker = net.createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await patchServer(t, { port: taken });
      expect(r.status).toBe(409);
      expect(r.body.error).toEqual({
        message: `Port ${taken} is already in use on this machine.`,
        type: "invalid_request_error",
        param: "port",
        code: "port_in_use",
      });
      expect((await getServer(t)).body.port).toBe(port);
    } finally {
      blocker.close();
    }
  });

  it("is the owner's alone: admins, members and viewers get 403", async () => {
    t = await startTestServer();
    const audits = auditCount(t);
    for (const role of ["admin", "member", "viewer"] as const) {
      const r = await patchServer(t, { lan: false, port: 0 }, t.addMember({ role }).key);
      expect(r.status, role).toBe(403);
      expect(r.body.error.type, role).toBe("permission_error");
    }
    expect(auditCount(t)).toBe(audits);
    expect((await patchServer(t, {})).status).toBe(400);
  });

  it("pauses /v1 with 503 server_paused while management stays up", async () => {
    t = await startTestServer();
    const m = t.addMember();
    const owner = client(t, t.auth);
    expect((await patchServer(t, { api_paused: true })).body.api_paused).toBe(true);
    const paused = await fetch(`${t.url}/v1/models`, { headers: bearer(m.key) });
    expect(paused.status).toBe(503);
    expect(paused.headers.get("x-should-retry")).toBe("false");
    expect(await paused.json()).toEqual({
      error: {
        message: "The owner has paused this server's API. Try again later.",
        type: "server_error",
        param: null,
        code: "server_paused",
      },
    });
    // A bad key is still a 401 first; management answers.
    expect((await fetch(`${t.url}/v1/models`)).status).toBe(401);
    expect((await owner.get("/me")).status).toBe(200);
    expect(t.core.store.settings.get("server.api_paused")).toBe(true);
    expect(JSON.parse(auditRows(t).at(-1)!.after_json as string).api_paused).toBe(true);

    expect((await patchServer(t, { api_paused: false })).body.api_paused).toBe(false);
    expect((await fetch(`${t.url}/v1/models`, { headers: bearer(m.key) })).status).toBe(200);
  });
});
