import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ModelHashes, sha256File, type HashableModel } from "../../src-main/models/ModelHashes.js";
import type { StoredHash } from "../../src-main/store/modelsRepo.js";

/**
 * Local models' version for the audit record: the file's SHA-256, computed in the background,
 * `pending` until then, stored for the exact file (path, size, mtime) it was computed from.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function modelFile(content: string): HashableModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-hash-"));
  dirs.push(dir);
  const file = path.join(dir, "m.gguf");
  fs.writeFileSync(file, content);
  const st = fs.statSync(file);
  return { id: "m", path: file, sizeBytes: st.size, mtimeMs: Math.trunc(st.mtimeMs), error: null };
}

/** An in-memory stand-in for the models rows' hash columns. */
function memoryRepo() {
  const rows = new Map<string, StoredHash>();
  return {
    rows,
    storedHashes: () => [...rows.values()],
    setHash: (f: HashableModel, sha256: string, of: string) => {
      rows.set(f.id, { id: f.id, sha256, of });
      return true;
    },
  };
}

const log = pino({ level: "silent" });
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("ModelHashes", () => {
  it("streams the real SHA-256 of a file", async () => {
    const m = modelFile("GGUF weights");
    expect(await sha256File(m.path)).toBe(sha("GGUF weights"));
  });

  it("reads `pending` until the hash is known, then the file name and hash; stores it", async () => {
    const m = modelFile("GGUF one");
    const repo = memoryRepo();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hashes = new ModelHashes({
      repo,
      log,
      hash: async (file, signal) => {
        await gate;
        return sha256File(file, signal);
      },
    });
    hashes.update([m]);
    expect(hashes.versionOf("m")).toBe("m.gguf sha256:pending");
    expect(hashes.versionOf("other")).toBeNull();
    release();
    await hashes.idle();
    expect(hashes.versionOf("m")).toBe(`m.gguf sha256:${sha("GGUF one")}`);
    expect([...repo.rows.values()]).toEqual([
      { id: "m", sha256: sha("GGUF one"), of: `${m.sizeBytes}:${m.mtimeMs}:${m.path}` },
    ]);
  });

  it("a stored hash of the same file is used without hashing; another file is hashed anew", async () => {
    const m = modelFile("GGUF two");
    const repo = memoryRepo();
    repo.rows.set("m", {
      id: "m",
      sha256: "f".repeat(64),
      of: `${m.sizeBytes}:${m.mtimeMs}:${m.path}`,
    });
    const calls: string[] = [];
    const hashes = new ModelHashes({
      repo,
      log,
      hash: (file) => {
        calls.push(file);
        return sha256File(file);
      },
    });
    hashes.update([m]);
    await hashes.idle();
    expect(calls).toEqual([]);
    expect(hashes.versionOf("m")).toBe(`m.gguf sha256:${"f".repeat(64)}`);
    // The file replaced in place (another size): its old hash is stale.
    fs.writeFileSync(m.path, "GGUF two, longer");
    const st = fs.statSync(m.path);
    hashes.update([{ ...m, sizeBytes: st.size, mtimeMs: Math.trunc(st.mtimeMs) }]);
    expect(hashes.versionOf("m")).toBe("m.gguf sha256:pending");
    await hashes.idle();
    expect(calls).toEqual([m.path]);
    expect(hashes.versionOf("m")).toBe(`m.gguf sha256:${sha("GGUF two, longer")}`);
  });

  it("a file that changed while it was hashed is not recorded; unreadable headers are not hashed", async () => {
    const m = modelFile("GGUF three");
    const repo = memoryRepo();
    const hashes = new ModelHashes({
      repo,
      log,
      hash: async (file) => {
        const h = await sha256File(file);
        fs.appendFileSync(file, "more");
        return h;
      },
    });
    hashes.update([m, { ...modelFile("not a model"), id: "broken", error: "bad header" }]);
    await hashes.idle();
    expect(hashes.versionOf("m")).toBe("m.gguf sha256:pending");
    expect(hashes.versionOf("broken")).toBe("m.gguf sha256:pending");
    expect(repo.rows.size).toBe(0);
  });
});
