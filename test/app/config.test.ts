import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, defaultDataDir, loadConfig } from "../../src-main/app/config.js";
import { DEFAULT_CONNECTION_LIMITS } from "../../src-main/server/connectionGuard.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-config-"));

describe("loadConfig", () => {
  it("defaults: loopback, port 4747, models under the data dir", () => {
    const dataDir = tmp();
    const c = loadConfig({ dataDir }, {});
    expect(c.server).toMatchObject({ host: "127.0.0.1", port: 4747 });
    expect(c.modelsDir).toBe(path.join(dataDir, "models"));
    expect(c.engine).toMatchObject({
      gpu: "auto",
      contextSize: "auto",
      binary: "auto",
      sequences: 4,
      idleTtlS: 900,
    });
    expect(c.engine.threads).toBeUndefined(); // resolved to physical cores by the core
  });

  it("defaults: the server's deadlines and connection cap, the same as the server's own", () => {
    const c = loadConfig({ dataDir: tmp() }, {});
    const s = c.server;
    expect({
      headersTimeoutMs: s.headersTimeoutS * 1000,
      requestTimeoutMs: s.requestTimeoutS * 1000,
      bodyTimeoutMs: s.bodyTimeoutS * 1000,
      keepAliveTimeoutMs: s.keepAliveTimeoutS * 1000,
      maxConnectionsPerAddress: s.maxConnectionsPerAddress,
      capLoopback: s.capLoopbackConnections,
    }).toEqual(DEFAULT_CONNECTION_LIMITS);
    expect(DEFAULT_CONNECTION_LIMITS).toEqual({
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 120_000,
      bodyTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnectionsPerAddress: 64,
      capLoopback: false,
    });
  });

  it("precedence: file < environment < flags", () => {
    const dataDir = tmp();
    fs.writeFileSync(
      path.join(dataDir, "config.json"),
      JSON.stringify({
        server: { host: "10.0.0.9", port: 1111 },
        engine: { threads: 3, sequences: 8 },
      }),
    );
    const env = {
      BENCHTOP_PORT: "2222",
      BENCHTOP_MODELS_DIR: "/env/models",
      BENCHTOP_HOST: "127.0.0.2",
    };
    const c = loadConfig({ dataDir, port: "3333" }, env);
    expect(c.server.port).toBe(3333); // flag beats env and file
    expect(c.server.host).toBe("127.0.0.2"); // env beats file
    expect(c.modelsDir).toBe("/env/models");
    expect(c.engine.threads).toBe(3); // file beats default
    expect(c.engine.sequences).toBe(8);
  });

  it("reads the data dir and everything else from BENCHTOP_* variables", () => {
    const dataDir = tmp();
    const c = loadConfig(
      {},
      { BENCHTOP_DATA_DIR: dataDir, BENCHTOP_THREADS: "1", BENCHTOP_LOG_LEVEL: "warn" },
    );
    expect(c.dataDir).toBe(dataDir);
    expect(c.engine.threads).toBe(1);
    expect(c.log.level).toBe("warn");
  });

  it("explains invalid values instead of starting wrongly", () => {
    const dataDir = tmp();
    expect(() => loadConfig({ dataDir, port: "http" }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir, port: "70000" }, {})).toThrow(/server\.port/);
    fs.writeFileSync(path.join(dataDir, "config.json"), "{ not json");
    expect(() => loadConfig({ dataDir }, {})).toThrow(/not valid JSON/);
    expect(() => loadConfig({ dataDir: tmp(), config: "/no/such/file.json" }, {})).toThrow(
      /Cannot read config file/,
    );
  });

  it("puts the data dir in the OS's per-user folder", () => {
    const dir = defaultDataDir({ XDG_DATA_HOME: "/xdg" });
    if (process.platform === "linux") expect(dir).toBe("/xdg/benchtop");
  });
});
