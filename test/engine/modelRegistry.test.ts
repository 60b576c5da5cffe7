import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ModelRegistry, type LocalModel } from "../../src-main/engine/ModelRegistry.js";
import { generatedModel } from "../helpers/models.js";

const log = pino({ level: "silent" });

describe("ModelRegistry", () => {
  it("finds .gguf files (nested, split parts folded), reads headers, and reports changes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-registry-"));
    const tiny = generatedModel();
    fs.mkdirSync(path.join(dir, "lab", "chat"), { recursive: true });
    fs.copyFileSync(tiny, path.join(dir, "alpha.gguf"));
    fs.copyFileSync(tiny, path.join(dir, "lab", "chat", "beta.GGUF"));
    fs.copyFileSync(tiny, path.join(dir, "big-00001-of-00002.gguf"));
    fs.writeFileSync(path.join(dir, "big-00002-of-00002.gguf"), "part two");
    fs.writeFileSync(path.join(dir, "broken.gguf"), "not a gguf file at all");
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored");
    const changes: LocalModel[][] = [];
    const registry = new ModelRegistry({ modelsDir: dir, log, onChange: (m) => changes.push(m) });

    const models = await registry.scan();
    expect(models.map((m) => m.id)).toEqual(["alpha", "beta", "big", "broken"]);
    const alpha = models[0]!;
    expect(alpha).toMatchObject({
      architecture: "llama",
      contextLength: 4096,
      embeddingLength: 64,
      fileType: "ALL_F32",
      hasChatTemplate: true,
      error: null,
      sizeBytes: fs.statSync(tiny).size,
    });
    expect(alpha.parameters).toBe(108_224);
    expect(models.find((m) => m.id === "broken")!.error).toMatch(/Cannot read GGUF header/);
    expect(changes).toHaveLength(1);

    // Unchanged folder: no change event. A new file: found by id without a restart.
    await registry.scan();
    expect(changes).toHaveLength(1);
    fs.copyFileSync(tiny, path.join(dir, "gamma.gguf"));
    expect((await registry.find("gamma"))?.id).toBe("gamma");
    expect(changes).toHaveLength(2);
    fs.rmSync(path.join(dir, "alpha.gguf"));
    expect((await registry.scan()).map((m) => m.id)).not.toContain("alpha");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("an empty or missing folder has no models", async () => {
    const registry = new ModelRegistry({ modelsDir: "/no/such/dir", log });
    expect(await registry.scan()).toEqual([]);
    expect(await registry.find("x")).toBeUndefined();
  });
});
