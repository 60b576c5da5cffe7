import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitForListening } from "../helpers/childServer.js";
import { generatedModel, modelsDir } from "../helpers/models.js";

const MAIN = path.resolve("src-main/app/main.ts");
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
});

describe("benchtop CLI", () => {
  it("prints help and version, and refuses unknown commands", () => {
    const help = node(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("benchtop serve");
    expect(help.stdout).toContain("BENCHTOP_MODELS_DIR");
    const version = node(["--version"]);
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync("package.json", "utf8")).version);
    expect(node(["launch"]).status).toBe(2);
    const badPort = node([
      "serve",
      "--port",
      "nope",
      "--data-dir",
      fs.mkdtempSync(path.join(os.tmpdir(), "bt-")),
    ]);
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toMatch(/port must be a whole number/);
  });

  it("serve: environment configures it, it answers, and SIGTERM shuts it down cleanly", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-cli-"));
    const models = modelsDir({ "cli-model": generatedModel() });
    child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "serve", "--port", "0", "--threads", "2"],
      {
        env: {
          ...process.env,
          BENCHTOP_DATA_DIR: dataDir,
          BENCHTOP_MODELS_DIR: models,
          BENCHTOP_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const url = await waitForListening(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The owner token is written at first start, private to the user.
    const tokenFile = path.join(dataDir, "owner.token");
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    const headers = { authorization: `Bearer ${fs.readFileSync(tokenFile, "utf8").trim()}` };
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    const list = (await (await fetch(`${url}/v1/models`, { headers })).json()) as {
      data: { id: string }[];
    };
    // `auto` routes to the first local model with nothing configured (docs/ROUTING.md).
    expect(list.data.map((m) => m.id)).toEqual(["auto", "cli-model"]);
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: "cli-model",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
      }),
    });
    expect(chat.status).toBe(200);
    expect(fs.existsSync(path.join(dataDir, "benchtop.db"))).toBe(true);

    const exited = new Promise<number | null>((resolve) =>
      child!.once("exit", (code) => resolve(code)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // The WAL was checkpointed on close: no -wal file with pending pages is left behind.
    const wal = path.join(dataDir, "benchtop.db-wal");
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(models, { recursive: true, force: true });
  });
});
