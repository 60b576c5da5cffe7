import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importModelFile } from "../../src-main/models/importModel.js";
import { ModelsError } from "../../src-main/models/ModelsError.js";
import { generatedModel } from "../helpers/models.js";

/**
 * Import copies what it checked: the file is opened once, its type taken from the open file
 * (a FIFO or a device never blocks or streams forever), and the GGUF checks run on that same
 * file, so swapping the path between the check and the copy cannot smuggle in another file.
 * A copy that would leave less than 1 GiB free on the models folder's disk is refused.
 */
const tiny = fs.readFileSync(generatedModel());
const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
let scratch: string;
let modelsDir: string;

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-import-src-"));
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-import-models-"));
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

async function refusal(
  p: Promise<unknown>,
): Promise<Pick<ModelsError, "kind" | "code" | "message">> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelsError);
  const { kind, code, message } = err as ModelsError;
  return { kind, code, message };
}

describe("importModelFile", () => {
  it("copies the file it checked even when the path is swapped before the copy", async () => {
    const source = path.join(scratch, "model.gguf");
    fs.writeFileSync(source, tiny);
    const decoy = path.join(scratch, "decoy");
    fs.writeFileSync(decoy, "not a model: a file the importer must never copy in");
    const result = await importModelFile({
      source,
      id: "swapped",
      modelsDir,
      // Runs between the checks and the copy: the path now names another file.
      modelExists: async () => {
        fs.renameSync(decoy, source);
        return false;
      },
    });
    expect(result).toEqual({ id: "swapped", bytes: tiny.length });
    expect(sha(fs.readFileSync(path.join(modelsDir, "swapped.gguf")))).toBe(sha(tiny));
    expect(fs.readdirSync(modelsDir)).toEqual(["swapped.gguf"]);
  });

  it("refuses a FIFO, a link to one, and a device without reading from them", async () => {
    const fifo = path.join(scratch, "pipe.gguf");
    execFileSync("mkfifo", [fifo]);
    const link = path.join(scratch, "link.gguf");
    fs.symlinkSync(fifo, link);
    for (const source of [fifo, link, "/dev/zero"]) {
      const r = await refusal(
        importModelFile({ source, id: "x", modelsDir, modelExists: async () => false }),
      );
      expect(r, source).toEqual({
        kind: "invalid",
        code: "not_a_file",
        message: `${source} is not a file.`,
      });
    }
    expect(fs.readdirSync(modelsDir)).toEqual([]);
  });

  it("follows a link to a regular GGUF file and copies its content", async () => {
    const real = path.join(scratch, "real.gguf");
    fs.writeFileSync(real, tiny);
    const link = path.join(scratch, "Linked.gguf");
    fs.symlinkSync(real, link);
    const r = await importModelFile({ source: link, modelsDir, modelExists: async () => false });
    expect(r).toEqual({ id: "Linked", bytes: tiny.length });
    expect(fs.lstatSync(path.join(modelsDir, "Linked.gguf")).isFile()).toBe(true);
    expect(sha(fs.readFileSync(path.join(modelsDir, "Linked.gguf")))).toBe(sha(tiny));
  });

  it("refuses a copy that does not fit on the disk, before copying a byte", async () => {
    // A GGUF whose tensors are followed by 1 TiB of holes: a sparse file, so it costs no disk.
    const huge = path.join(scratch, "huge.gguf");
    fs.writeFileSync(huge, tiny);
    fs.truncateSync(huge, 2 ** 40);
    const r = await refusal(
      importModelFile({ source: huge, modelsDir, modelExists: async () => false }),
    );
    expect(r.kind).toBe("conflict");
    expect(r.code).toBe("insufficient_disk_space");
    expect(r.message).toMatch(
      new RegExp(
        `^Not enough disk space: the copy needs ${2 ** 40} more bytes, and the disk holding the ` +
          "models folder has \\d+ bytes free beyond the 1 GiB Benchtop keeps free\\.$",
      ),
    );
    expect(fs.readdirSync(modelsDir)).toEqual([]);
  });
});
