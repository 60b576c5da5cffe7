import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import { manageRoutes } from "../../src-main/server/manage/index.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows, bearer, client, notFoundBody } from "./manageClient.js";

/**
 * Local model management through the real server and engine: the list with fit estimates and
 * memory, load and unload, delete (split parts, links, never outside the folder), import, the
 * catalog, and who may do what.
 */
let t: TestServer;
let owner: ReturnType<typeof client>;
let admin: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
const tiny = generatedModel();
const sha = (file: string) =>
  crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-models-test-"));
const events: BenchtopEvent[] = [];

beforeAll(async () => {
  const broken = path.join(scratch, "broken.gguf");
  fs.writeFileSync(broken, "GGUF but not really a header");
  t = await startTestServer({ models: { tiny, linked: tiny, broken } });
  owner = client(t, t.auth);
  admin = client(t, bearer(t.addMember({ role: "admin" }).key));
  viewer = client(t, bearer(t.addMember({ role: "viewer" }).key));
  t.core.events.on((e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const ids = async () => (await owner.get("/models")).body.data.map((m: { id: string }) => m.id);

describe("GET /models", () => {
  it("describes each model from its header, with a fit estimate and this machine's memory", async () => {
    const r = await viewer.get("/models");
    expect(r.status).toBe(200);
    expect(r.body.data.map((m: { id: string }) => m.id)).toEqual(["broken", "linked", "tiny"]);
    const model = r.body.data[2];
    expect(model).toEqual({
      id: "tiny",
      file: "tiny.gguf",
      size_bytes: fs.statSync(tiny).size,
      modified_ms: Math.trunc(fs.statSync(tiny).mtimeMs),
      architecture: "llama",
      parameters: 108_224,
      quantization: "ALL_F32",
      context_length: 4096,
      embedding_length: 64,
      has_chat_template: true,
      error: null,
      state: "not_loaded",
      memory: null,
      in_flight: 0,
      fit: {
        kind: "cpu",
        gpu_layers: 0,
        total_layers: model.fit.total_layers,
        context_tokens: 512 * 4,
        ram_bytes: model.fit.ram_bytes,
        vram_bytes: 0,
      },
      settings: {
        context_size: null,
        gpu_layers: null,
        flash_attention: null,
        kv_cache_type: null,
        sequences: null,
      },
      // engine.contextSize 512 in the test server: the default for models without their own.
      effective: {
        context_size: 512,
        context_auto: false,
        gpu_layers: "auto",
        flash_attention: "auto",
        kv_cache_type: "f16",
        sequences: 4,
      },
    });
    expect(model.fit.total_layers).toBeGreaterThan(0);
    expect(model.fit.ram_bytes).toBeGreaterThan(fs.statSync(tiny).size);
    expect(r.body.data[0]).toMatchObject({
      id: "broken",
      architecture: null,
      fit: { kind: "unknown", ram_bytes: 0 },
    });
    expect(r.body.data[0].error).toMatch(/^Cannot read GGUF header: /);
    expect(r.body.machine).toMatchObject({
      ram: { total_bytes: os.totalmem() },
      vram: null,
      gpu: null,
      gpu_known: true,
      loaded_ram_bytes: 0,
      loaded_vram_bytes: 0,
    });
    expect(r.body.engine).toEqual({
      context_size: 512,
      sequences: 4,
      max_loaded_models: 2,
      memory_budget_bytes: null,
    });
  });

  it("lists the catalog: real Hugging Face GGUF files, none installed", async () => {
    const r = await viewer.get("/models/catalog");
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBe(8);
    for (const m of r.body.data) {
      expect(m.url).toMatch(
        /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\/[^/]+\.gguf$/,
      );
      expect(m.installed).toBe(false);
      expect(m.size_bytes).toBeGreaterThan(100_000_000);
    }
    expect(r.body.data.map((m: { name: string }) => m.name)).toContain("Qwen2.5 0.5B Instruct");
  });
});

describe("load and unload", () => {
  it("load makes a model resident and reports its memory; unload frees it", async () => {
    const loaded = await admin.post("/models/tiny/load", {});
    expect(loaded.status, loaded.text).toBe(200);
    const status = t.core.engine.status().find((s) => s.id === "tiny")!;
    expect(loaded.body).toMatchObject({
      id: "tiny",
      state: "loaded",
      memory: { ram_bytes: status.info!.memory.ram, vram_bytes: 0 },
    });
    expect(status.info!.memory.ram).toBeGreaterThan(0);
    const listed = (await owner.get("/models")).body;
    expect(listed.data.find((m: { id: string }) => m.id === "tiny").state).toBe("loaded");
    expect(listed.machine.loaded_ram_bytes).toBe(status.info!.memory.ram);
    expect(auditRows(t).at(-1)).toMatchObject({ action: "model.load", target_id: "tiny" });
    expect(events.at(-1)).toMatchObject({ type: "model.load", data: { id: "tiny" } });

    const unloaded = await admin.post("/models/tiny/unload", {});
    expect(unloaded.body).toMatchObject({ id: "tiny", state: "not_loaded", memory: null });
    expect(t.core.engine.status()).toEqual([]);
    expect(auditRows(t).at(-1)).toMatchObject({ action: "model.unload", target_id: "tiny" });
    const again = await admin.post("/models/tiny/unload", {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("model_not_loaded");
  });

  it("refuses unknown and unreadable models", async () => {
    const before = auditCount(t);
    const unknown = await admin.post("/models/nope/load", {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(notFoundBody("model"));
    const broken = await admin.post("/models/broken/load", {});
    expect(broken.status).toBe(409);
    expect(broken.body.error.code).toBe("model_unreadable");
    expect(auditCount(t)).toBe(before);
  });
});

describe("DELETE /models/:id", () => {
  it("unloads a loaded model and removes its file; a link is removed, never its target", async () => {
    const tinySha = sha(tiny);
    expect((await admin.post("/models/linked/load", {})).status).toBe(200);
    const r = await admin.del("/models/linked");
    expect(r.body).toEqual({ id: "linked", deleted: true, files: ["linked.gguf"], freed_bytes: 0 });
    expect(t.core.engine.status().map((s) => s.id)).not.toContain("linked");
    expect(fs.existsSync(path.join(t.core.paths.modelsDir, "linked.gguf"))).toBe(false);
    expect(sha(tiny)).toBe(tinySha); // the shared generated model is untouched
    expect(await ids()).toEqual(["broken", "tiny"]);
    expect(auditRows(t).at(-1)).toMatchObject({ action: "model.delete", target_id: "linked" });
  });

  it("removes every part of a split model and frees their bytes", async () => {
    const dir = t.core.paths.modelsDir;
    fs.mkdirSync(path.join(dir, "lab"));
    fs.copyFileSync(tiny, path.join(dir, "lab", "big-00001-of-00002.gguf"));
    fs.writeFileSync(path.join(dir, "lab", "big-00002-of-00002.gguf"), "second part");
    fs.writeFileSync(path.join(dir, "lab", "big-00001-of-00003.gguf.txt"), "not a part");
    expect(await ids()).toEqual(["big", "broken", "tiny"]);
    const r = await admin.del("/models/big");
    expect(r.body).toEqual({
      id: "big",
      deleted: true,
      files: ["lab/big-00001-of-00002.gguf", "lab/big-00002-of-00002.gguf"],
      freed_bytes: fs.statSync(tiny).size + "second part".length,
    });
    expect(fs.readdirSync(path.join(dir, "lab"))).toEqual(["big-00001-of-00003.gguf.txt"]);
  });

  it("refuses ids that try to leave the models folder, and touches nothing", async () => {
    const outside = path.join(path.dirname(t.core.paths.modelsDir), "outside.gguf");
    fs.copyFileSync(tiny, outside);
    const before = auditCount(t);
    for (const id of ["..%2Foutside", "..%2F..%2Fetc%2Fpasswd", "a%5C..%5Cb", ".hidden", "%00x"]) {
      const r = await admin.del(`/models/${id}`);
      expect(r.status, id).toBe(400);
      expect(r.body.error).toMatchObject({ code: "invalid_model_id", param: "id" });
    }
    // `..` itself never reaches a route: URLs are normalised before they are sent.
    expect((await admin.del("/models/%2E%2E")).body).not.toHaveProperty("deleted");
    expect(fs.existsSync(outside)).toBe(true);
    expect(auditCount(t)).toBe(before);
    fs.rmSync(outside);
  });
});

describe("POST /models/import", () => {
  it("copies a GGUF file in under its name or a given id", async () => {
    const source = path.join(scratch, "Imported-F32.gguf");
    fs.copyFileSync(tiny, source);
    const r = await admin.post("/models/import", { path: source });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      id: "Imported-F32",
      file: "Imported-F32.gguf",
      state: "not_loaded",
    });
    expect(sha(path.join(t.core.paths.modelsDir, "Imported-F32.gguf"))).toBe(sha(source));
    expect(fs.existsSync(source)).toBe(true);
    expect(auditRows(t).at(-1)).toMatchObject({
      action: "model.import",
      target_id: "Imported-F32",
    });
    const named = await admin.post("/models/import", { path: source, id: "renamed" });
    expect(named.body.id).toBe("renamed");
    expect(await ids()).toEqual(["broken", "Imported-F32", "renamed", "tiny"]);
    const taken = await admin.post("/models/import", { path: source });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("model_exists");
    // Nothing half-copied is left behind.
    expect(fs.readdirSync(t.core.paths.modelsDir).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("refuses files that are not GGUF, relative or missing paths, and bad ids", async () => {
    const text = path.join(scratch, "notes.gguf");
    fs.writeFileSync(text, "just some notes, not a model");
    const before = auditCount(t);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ path: text }, "path", "invalid_model_file"],
      [{ path: path.join(scratch, "broken.gguf") }, "path", "invalid_model_file"],
      [{ path: "relative/model.gguf" }, "path", "invalid_path"],
      [{ path: path.join(scratch, "absent.gguf") }, "path", "file_not_found"],
      [{ path: scratch }, "path", "not_a_file"],
      [{ path: tiny, id: "../../escape" }, "id", "invalid_value"],
    ];
    for (const [body, param, code] of cases) {
      const r = await admin.post("/models/import", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toMatchObject({ param, code });
    }
    const notGguf = await admin.post("/models/import", { path: text });
    expect(notGguf.body.error.message).toBe(
      "The file is not a GGUF model (it does not start with the GGUF magic bytes).",
    );
    expect(auditCount(t)).toBe(before);
  });
});

describe("who may manage models", () => {
  /** Every model route with its path filled in, and a body where it takes one. */
  const modelRoutes = manageRoutes
    .filter((r) => r.path.startsWith("/models"))
    .map((r) => ({
      method: r.method.toUpperCase(),
      path: r.path.replace(":id", r.path.includes("downloads") ? "dl_0000000000000000" : "tiny"),
      body: r.body ? {} : undefined,
      write: r.access === "admin",
    }));

  it("covers the routes the brief names", () => {
    expect(modelRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /models",
      "GET /models/catalog",
      "GET /models/downloads",
      "POST /models/downloads",
      "GET /models/downloads/dl_0000000000000000",
      "POST /models/downloads/dl_0000000000000000/cancel",
      "POST /models/downloads/dl_0000000000000000/resume",
      "DELETE /models/downloads/dl_0000000000000000",
      "POST /models/import",
      "GET /models/tiny",
      "POST /models/tiny/load",
      "PATCH /models/tiny/settings",
      "POST /models/tiny/unload",
      "DELETE /models/tiny",
    ]);
  });

  it("a member gets 403 on every model route; a viewer on every write; nothing changes", async () => {
    const before = auditCount(t);
    const memberKey = t.addMember();
    const viewerKey = t.addMember({ role: "viewer" });
    for (const r of modelRoutes) {
      for (const [who, key] of [
        ["member", memberKey.key],
        ["viewer", viewerKey.key],
      ] as const) {
        const res = await fetch(`${t.url}/manage/v1${r.path}`, {
          method: r.method,
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: r.body === undefined ? undefined : JSON.stringify(r.body),
        });
        const expected = who === "member" || r.write ? 403 : r.path.includes("dl_") ? 404 : 200;
        expect(res.status, `${who} ${r.method} ${r.path}`).toBe(expected);
        if (expected === 403)
          expect(((await res.json()) as { error: { type: string } }).error.type).toBe(
            "permission_error",
          );
        else await res.arrayBuffer();
      }
    }
    expect(auditCount(t)).toBe(before);
    expect(fs.existsSync(path.join(t.core.paths.modelsDir, "tiny.gguf"))).toBe(true);
  });
});
