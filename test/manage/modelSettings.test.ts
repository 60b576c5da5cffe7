import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src-main/app/config.js";
import { createCore, type Core } from "../../src-main/app/createCore.js";
import { TINY_MODEL } from "../fixtures/gguf/makeLlamaModel.js";
import { generatedModel, modelsDir } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditRows, bearer, client } from "./manageClient.js";

/**
 * Per-model load settings through the real server, store and engine host: stored, shown with
 * their effective values, applied by reloading a loaded model, refused when invalid or when they
 * cannot fit, and kept across a restart of the core.
 */
const tiny = generatedModel();
// A training context far beyond any machine's memory at 4 sequences (never loaded with auto).
const huge = generatedModel({ ...TINY_MODEL, contextLength: 1 << 24 }, "tiny-huge-ctx");

let t: TestServer;
let owner: ReturnType<typeof client>;
beforeAll(async () => {
  // No engine.contextSize: the default is "auto", as in production.
  t = await startTestServer({
    models: { tiny, other: tiny, huge },
    engine: { contextSize: undefined },
  });
  owner = client(t, t.auth);
});
afterAll(() => t?.close());

const model = async (id: string) => (await owner.get(`/models/${id}`)).body;

describe("defaults", () => {
  it("loads with the training context (auto), not 4096 or a global setting", async () => {
    const before = await model("tiny");
    expect(before.settings).toEqual({
      context_size: null,
      gpu_layers: null,
      flash_attention: null,
      kv_cache_type: null,
      sequences: null,
    });
    // Not loaded: auto is shown as the training context it grows to (what reservations assume).
    expect(before.effective).toEqual({
      context_size: 4096,
      context_auto: true,
      gpu_layers: "auto",
      flash_attention: "auto",
      kv_cache_type: "f16",
      sequences: 4,
    });
    const loaded = await owner.post("/models/tiny/load", {});
    expect(loaded.status, loaded.text).toBe(200);
    const info = t.core.engine.status().find((s) => s.id === "tiny")!.info!;
    expect(info.contextSize).toBe(4096);
    expect(info.sequences).toBe(4);
    expect(loaded.body.effective).toMatchObject({
      context_size: 4096,
      sequences: 4,
      gpu_layers: 0,
    });
    // Real accounting: node-llama-cpp's memory of weights + a 4 × 4096-cell KV cache.
    expect(loaded.body.memory.ram_bytes).toBe(info.memory.ram);
    expect(info.memory.ram).toBeGreaterThan(fs.statSync(tiny).size * 2);
    expect(t.core.engine.contextTokens("tiny")).toBe(4096);
  });
});

describe("PATCH /models/:id/settings", () => {
  it("reloads a loaded model with the new settings, without a restart", async () => {
    await owner.post("/models/tiny/load", {});
    const loadsBefore = t.core.engine.loadCounts.get("tiny")!;
    const r = await owner.patch("/models/tiny/settings", { context_size: 1024, sequences: 2 });
    expect(r.status, r.text).toBe(200);
    expect(r.body.reload).toBe("reloaded");
    expect(r.body.state).toBe("loaded");
    expect(r.body.settings).toMatchObject({ context_size: 1024, sequences: 2 });
    expect(r.body.effective).toMatchObject({
      context_size: 1024,
      context_auto: false,
      sequences: 2,
    });
    expect(t.core.engine.loadCounts.get("tiny")).toBe(loadsBefore + 1);
    const status = t.core.engine.status().find((s) => s.id === "tiny")!;
    expect(status.info).toMatchObject({ contextSize: 1024, sequences: 2 });
    expect(status.slots).toBe(2);
    // The gateway sizes reservations by the model's own context now.
    expect(t.core.engine.contextTokens("tiny")).toBe(1024);
    const audit = auditRows(t).filter((a) => a.action === "model.settings");
    expect(audit.length).toBe(1);
    expect(audit[0]!.target_id).toBe("tiny");
  });

  it("a prompt beyond the model's own context is refused by it, one within is served", async () => {
    const long = "hello ".repeat(1500); // far more than 1024 tokens with a byte-level vocab
    const tooLong = await t.openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: long }], max_tokens: 4 })
      .catch((e: { status: number; code: string }) => e);
    expect(tooLong).toMatchObject({ status: 400, code: "context_length_exceeded" });
    const ok = await t.openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 4,
    });
    expect(ok.choices[0]!.finish_reason).toMatch(/stop|length/);
  });

  it("null clears a setting back to auto; fields left out are kept", async () => {
    const r = await owner.patch("/models/tiny/settings", { context_size: null });
    expect(r.status, r.text).toBe(200);
    expect(r.body.settings).toMatchObject({ context_size: null, sequences: 2 });
    expect(r.body.effective).toMatchObject({
      context_size: 4096,
      context_auto: true,
      sequences: 2,
    });
  });

  it("stores settings of a model that is not loaded, applied at its next load", async () => {
    const r = await owner.patch("/models/other/settings", { context_size: 768, sequences: 3 });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ reload: "not_loaded", state: "not_loaded" });
    expect(r.body.effective).toMatchObject({ context_size: 768, sequences: 3 });
    await owner.post("/models/other/load", {});
    expect(t.core.engine.status().find((s) => s.id === "other")!.info).toMatchObject({
      contextSize: 768,
      sequences: 3,
    });
  });

  it("refuses invalid values with a 400 in the OpenAI error shape", async () => {
    const cases: [unknown, string][] = [
      [{ context_size: 10 }, "context_size"],
      [{ context_size: "big" }, "context_size"],
      [{ sequences: 0 }, "sequences"],
      [{ gpu_layers: "all" }, "gpu_layers"],
      [{ kv_cache_type: "q3_k" }, "kv_cache_type"],
      [{ flash_attention: false, kv_cache_type: "q8_0" }, "kv_cache_type"],
      [{ nope: 1 }, ""],
    ];
    for (const [body, param] of cases) {
      const r = await owner.patch("/models/tiny/settings", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.type).toBe("invalid_request_error");
      if (param) expect(r.body.error.message).toContain(param);
    }
    const above = await owner.patch("/models/tiny/settings", { context_size: 8192 });
    expect(above.status).toBe(400);
    expect(above.body.error).toMatchObject({
      param: "context_size",
      code: "context_above_training",
    });
    expect(above.body.error.message).toContain("4096");
    expect((await owner.patch("/models/nope/settings", { sequences: 1 })).status).toBe(404);
  });

  it("a context that cannot fit is refused, naming what to lower, and nothing is stored", async () => {
    const r = await owner.patch("/models/huge/settings", { context_size: 1 << 24 });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error).toMatchObject({ code: "insufficient_memory", param: "context_size" });
    expect(r.body.error.message).toMatch(/Lower the context size or the sequences/);
    expect((await model("huge")).settings.context_size).toBeNull();
  });

  it("a KV-cache type the model cannot use fails the reload and keeps the old settings", async () => {
    const before = (await model("tiny")).settings;
    // The tiny model's head size (16) is not a multiple of q8_0's block size (32).
    const r = await owner.patch("/models/tiny/settings", {
      kv_cache_type: "q8_0",
      flash_attention: true,
    });
    expect(r.status, r.text).toBe(503);
    expect(r.body.error.code).toBe("model_load_failed");
    expect(r.body.error.message).toMatch(/KV-cache type \(q8_0\)/);
    const after = await model("tiny");
    expect(after.settings).toEqual(before);
    expect(after.state).toBe("loaded");
  });

  it("members and viewers are refused", async () => {
    for (const role of ["member", "viewer"] as const) {
      const c = client(t, bearer(t.addMember({ role }).key));
      const r = await c.patch("/models/tiny/settings", { sequences: 1 });
      expect(r.status).toBe(403);
    }
    expect((await model("tiny")).settings.sequences).toBe(2);
  });
});

describe("restart", () => {
  it("settings are kept across a restart of the core and applied at load", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-data-"));
    const models = modelsDir({ tiny });
    const start = () =>
      createCore({
        config: ConfigSchema.parse({
          dataDir,
          modelsDir: models,
          server: { host: "127.0.0.1", port: 0 },
          engine: { gpu: false, threads: 2 },
          pools: { probeIntervalS: 0 },
          log: { level: "error" },
        }),
        logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
        rendererDir: path.join(dataDir, "none"),
      });
    const patch = (core: Core, body: unknown) =>
      fetch(`${core.url}/manage/v1/models/tiny/settings`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${core.ownerToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    let core = await start();
    try {
      expect((await patch(core, { context_size: 1536, sequences: 1 })).status).toBe(200);
      await core.close();
      core = await start();
      const got = await fetch(`${core.url}/manage/v1/models/tiny`, {
        headers: { authorization: `Bearer ${core.ownerToken}` },
      }).then((r) => r.json() as Promise<{ settings: unknown }>);
      expect(got.settings).toMatchObject({ context_size: 1536, sequences: 1 });
      await core.engine.load("tiny");
      expect(core.engine.status()[0]!.info).toMatchObject({ contextSize: 1536, sequences: 1 });
    } finally {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(models, { recursive: true, force: true });
    }
  });
});
