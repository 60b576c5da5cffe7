import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { bearer, call } from "../manage/manageClient.js";

/** The routing configuration through `/manage/v1`: validation, ids that collide, audit. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ engine: { threads: 1 } });
});
afterAll(async () => {
  await t?.close();
});

const auditActions = () =>
  (
    t.core.db.prepare("SELECT action FROM audit_log ORDER BY rowid").all() as { action: string }[]
  ).map((r) => r.action);

describe("routing configuration", () => {
  it("starts with the built-in categories and settings that need no setup", async () => {
    const r = await call(t, t.auth, "GET", "/routing");
    expect(r.status).toBe(200);
    expect(r.body.categories.map((c: { name: string }) => c.name)).toEqual([
      "simple",
      "general",
      "reasoning",
      "code",
      "embedding",
    ]);
    expect(r.body.settings).toEqual({
      classifier: "grammar",
      router_model: null,
      default_category: "general",
      default_target: null,
      knn_min_similarity: 0.5,
      context_chars: 2000,
    });
    expect(r.body.aliases).toEqual([]);
  });

  it("creates aliases over existing targets only, never over a taken id", async () => {
    const put = (id: string, body: unknown) =>
      call(t, t.auth, "PUT", `/routing/aliases/${id}`, body);
    expect((await put("lab", { targets: ["nope"] })).body.error).toMatchObject({
      param: "targets[0]",
    });
    expect((await put("lab", { targets: ["auto"] })).status).toBe(400);
    expect((await put("lab", { targets: ["lab"] })).status).toBe(400);
    expect((await put("tiny", { targets: ["tiny"] })).body.error.code).toBe("model_id_taken");
    expect((await put("auto", { targets: ["tiny"] })).body.error.code).toBe("model_id_taken");
    expect((await put("lab", { targets: ["tiny"], categories: ["nope"] })).status).toBe(400);
    const ok = await put("team/lab", { targets: ["tiny"], categories: ["general"] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: "team/lab", targets: ["tiny"], categories: ["general"] });
    // An alias may name another alias.
    expect((await put("lab2", { targets: ["team/lab", "tiny"] })).status).toBe(200);
    // A pool cannot take an alias's id, nor `auto`.
    const connection = t.core.store.connections.create({
      name: "remote",
      kind: "openai_compatible",
      baseUrl: "http://127.0.0.1:9/v1",
      headers: {},
      region: null,
      retention: null,
    });
    const pool = (id: string) =>
      call(t, t.auth, "PUT", `/pools/${id}`, {
        strategy: "priority",
        targets: [{ connection_id: connection.id, upstream_model: "m" }],
      });
    expect((await pool("team/lab")).body.error.code).toBe("model_id_taken");
    expect((await pool("auto")).body.error.code).toBe("model_id_taken");

    expect((await call(t, t.auth, "DELETE", "/routing/aliases/lab2")).status).toBe(200);
    expect((await call(t, t.auth, "DELETE", "/routing/aliases/lab2")).status).toBe(404);
    expect(auditActions()).toEqual(
      expect.arrayContaining(["alias.set", "alias.set", "alias.delete"]),
    );
  });

  it("edits categories: built-ins are kept, the lab's own can go", async () => {
    const put = await call(t, t.auth, "PUT", "/routing/categories/legal", {
      description: "Contracts and compliance.",
      examples: ["Review this NDA"],
      target: "tiny",
    });
    expect(put.body).toMatchObject({ name: "legal", target: "tiny", builtin: false });
    expect((await call(t, t.auth, "PUT", "/routing/categories/Bad Name", {})).status).toBe(400);
    expect((await call(t, t.auth, "DELETE", "/routing/categories/code")).body.error.code).toBe(
      "builtin_category",
    );
    expect((await call(t, t.auth, "DELETE", "/routing/categories/legal")).status).toBe(200);
    const cats = (await call(t, t.auth, "PUT", "/routing/model-categories/tiny", {
      categories: ["code", "general"],
    })) as { body: unknown };
    expect(cats.body).toEqual({ model: "tiny", categories: ["code", "general"] });
  });

  it("takes only a local model as the router model", async () => {
    const r = await call(t, t.auth, "PATCH", "/routing/settings", { router_model: "gpt-4o" });
    expect(r.body.error.param).toBe("router_model");
    const ok = await call(t, t.auth, "PATCH", "/routing/settings", {
      router_model: "tiny",
      classifier: "knn",
    });
    expect(ok.body).toMatchObject({ router_model: "tiny", classifier: "knn" });
    expect((await call(t, t.auth, "PATCH", "/routing/settings", {})).status).toBe(400);
  });

  it("lets members read nothing and change nothing", async () => {
    const m = t.addMember();
    expect((await call(t, bearer(m.key), "GET", "/routing")).status).toBe(403);
    expect(
      (await call(t, bearer(m.key), "PUT", "/routing/aliases/x", { targets: ["tiny"] })).status,
    ).toBe(403);
  });
});
