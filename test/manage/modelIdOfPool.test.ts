import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, client } from "./manageClient.js";

/**
 * A local model and a pool never share an id: local models are routed first, so a model
 * imported or downloaded under a pool's id would silently take every request meant for the pool
 * (members calling `gpt-4o-mini` would get a local file, priced as local). Pools already refuse
 * a local model's id (model_id_taken); the model routes refuse a pool's id the same way.
 */
let t: TestServer;
let owner: ReturnType<typeof client>;
let scratch: string;
beforeAll(async () => {
  t = await startTestServer();
  owner = client(t, t.auth);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-pool-id-"));
  // Nothing is ever sent to this connection: only its pool's id matters here.
  const con = await owner.post("/connections", {
    name: "upstream",
    kind: "openai_compatible",
    base_url: "http://127.0.0.1:9/v1",
  });
  expect(con.status, con.text).toBe(201);
  const pool = await owner.put("/pools/gpt-4o-mini", {
    strategy: "priority",
    targets: [{ connection_id: con.body.id, upstream_model: "gpt-4o-mini", priority: 0 }],
  });
  expect(pool.status, pool.text).toBe(200);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const taken = {
  type: "invalid_request_error",
  code: "model_id_taken",
  message:
    "'gpt-4o-mini' is a pool's model id: a local model of that name would take every request " +
    "meant for the pool. Pick another id.",
};

describe("model ids that a pool holds", () => {
  it("import refuses them, whether the id is given or comes from the file name", async () => {
    const named = path.join(scratch, "gpt-4o-mini.gguf");
    fs.copyFileSync(generatedModel(), named);
    const before = fs.readdirSync(t.core.paths.modelsDir).sort();
    const audits = auditCount(t);
    for (const body of [{ path: named }, { path: generatedModel(), id: "gpt-4o-mini" }]) {
      const r = await owner.post("/models/import", body);
      expect(r.status, JSON.stringify(body)).toBe(409);
      expect(r.body.error).toMatchObject(taken);
    }
    expect(fs.readdirSync(t.core.paths.modelsDir).sort()).toEqual(before);
    expect(auditCount(t)).toBe(audits);
    expect((await owner.get("/models/gpt-4o-mini")).status).toBe(404);
  });

  it("a download refuses them before any request goes out", async () => {
    const audits = auditCount(t);
    for (const body of [
      { url: "http://127.0.0.1:9/files/gpt-4o-mini.gguf" },
      { url: "http://127.0.0.1:9/files/other.gguf", id: "gpt-4o-mini" },
    ]) {
      const r = await owner.post("/models/downloads", body);
      expect(r.status, JSON.stringify(body)).toBe(409);
      expect(r.body.error).toMatchObject(taken);
    }
    expect((await owner.get("/models/downloads")).body.data).toEqual([]);
    expect(auditCount(t)).toBe(audits);
  });
});
