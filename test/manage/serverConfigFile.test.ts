import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { raw } from "./rawHttp.js";

/**
 * How `PATCH /manage/v1/server` writes the moved binding into config.json: a new file is the
 * owner's alone (0600), an existing file keeps its permissions and its other fields, and the
 * write never goes through a link planted where the temporary file would be.
 */
const portOf = (t: TestServer) => Number(new URL(t.core.url!).port);
const moveToFreePort = (t: TestServer) =>
  raw(
    portOf(t),
    "PATCH",
    "/manage/v1/server",
    { authorization: `Bearer ${t.core.ownerToken}` },
    { port: 0 },
  );
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("config.json written by a move", () => {
  it("is created readable and writable by its owner only", async () => {
    t = await startTestServer();
    const file = path.join(t.core.config.dataDir, "config.json");
    const r = await moveToFreePort(t);
    expect(r.status).toBe(200);
    expect(modeOf(file)).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      server: { host: "127.0.0.1", port: r.body.port },
    });
    expect(fs.readdirSync(t.core.config.dataDir).filter((n) => n.includes(".tmp"))).toEqual([]);
  });

  it("keeps an existing file's permissions and other fields", async () => {
    t = await startTestServer();
    const file = path.join(t.core.config.dataDir, "config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ log: { level: "warn" }, server: { sseHeartbeatS: 5 } }),
    );
    fs.chmodSync(file, 0o640);
    const r = await moveToFreePort(t);
    expect(r.status).toBe(200);
    expect(modeOf(file)).toBe(0o640);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      log: { level: "warn" },
      server: { sseHeartbeatS: 5, host: "127.0.0.1", port: r.body.port },
    });
  });

  it("never writes through a link where the temporary file would go", async () => {
    t = await startTestServer();
    const dir = t.core.config.dataDir;
    const file = path.join(dir, "config.json");
    const victim = path.join(dir, "victim.txt");
    fs.writeFileSync(victim, "keep me");
    // The name the old code wrote to: `<file>.<pid>.tmp`.
    fs.symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const r = await moveToFreePort(t);
    expect(r.status).toBe(200);
    expect(fs.readFileSync(victim, "utf8")).toBe("keep me");
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).server.port).toBe(r.body.port);
  });
});
