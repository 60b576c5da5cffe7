import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src-main/app/config.js";
import { createCore } from "../../src-main/app/createCore.js";
import { hashApiKey, isWellFormedApiKey } from "../../src-main/policy/apiKeys.js";
import { modelsDir } from "../helpers/models.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string) {
  const config = ConfigSchema.parse({
    dataDir,
    modelsDir: modelsDir({}),
    server: { port: 0 },
    engine: { gpu: false, threads: 1 },
    log: { level: "silent" },
  });
  dirs.push(config.modelsDir);
  return createCore({ config, rendererDir: path.join(dataDir, "none") });
}

describe("the owner token", () => {
  it("is created at first start, private, reused across restarts, and rotated by deleting it", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-owner-"));
    dirs.push(dataDir);
    fs.chmodSync(dataDir, 0o755); // as if something else had created it with a loose umask
    const file = path.join(dataDir, "owner.token");

    const first = await start(dataDir);
    const token = fs.readFileSync(file, "utf8").trim();
    expect(isWellFormedApiKey(token)).toBe(true);
    expect(token).toBe(first.ownerToken);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    const me = await fetch(`${first.url}/manage/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await me.json()) as { role: string }).role).toBe("owner");
    await first.close();

    const second = await start(dataDir);
    expect(second.ownerToken).toBe(token);
    await second.close();

    fs.rmSync(file);
    const third = await start(dataDir);
    try {
      expect(third.ownerToken).not.toBe(token);
      expect(fs.readFileSync(file, "utf8").trim()).toBe(third.ownerToken);
      // The old token stops working: deleting the file is how the owner rotates it.
      expect(third.store.keys.findByHash(hashApiKey(token))!.key.revokedMs).not.toBeNull();
      const old = await fetch(`${third.url}/v1/models`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(old.status).toBe(401);
    } finally {
      await third.close();
    }
  });
});
