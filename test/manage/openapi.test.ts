import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../src-main/server/openapi.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle: { stack?: Layer[] };
}

/** Every (method, path) express would route, mounted routers included. */
function routeTable(stack: Layer[], prefix = ""): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      // RegExp paths are the renderer's client-side-route fallback (absent in tests), not API.
      for (const p of paths.filter((x) => typeof x === "string"))
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on && m !== "_all") out.push(`${m} ${openApiPath(prefix + p)}`);
    } else if (layer.handle.stack && typeof layer.rawPath === "string") {
      out.push(...routeTable(layer.handle.stack, prefix + layer.rawPath));
    }
  }
  return out;
}

describe("GET /openapi.json", () => {
  it("is served without a key as an OpenAPI 3.1 document", async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string } };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Benchtop");
  });

  it("lists exactly the routes of the express router table", async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    const app = t.core.server.app as unknown as { router: { stack: Layer[] } };
    const routed = routeTable(app.router.stack);
    expect(routed).toContain("get /manage/v1/members/{id}");
    expect(routed).toContain("put /manage/v1/prices/{model}");
    expect(routed).toContain("post /v1/chat/completions");
    expect(new Set(routed).size).toBe(routed.length);
    expect([...documented].sort()).toEqual([...routed].sort());
  });

  it("describes bodies and answers with the routes' zod schemas", async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const patch = doc.paths["/manage/v1/members/{id}"]!.patch as {
      requestBody: { content: { "application/json": { schema: Record<string, unknown> } } };
      "x-benchtop-roles": string[];
    };
    const schema = patch.requestBody.content["application/json"].schema;
    expect(schema).toMatchObject({
      type: "object",
      additionalProperties: false,
      properties: {
        role: { type: "string", enum: ["admin", "member", "viewer"] },
        status: { type: "string", enum: ["active", "disabled"] },
      },
    });
    expect(patch["x-benchtop-roles"]).toEqual(["owner", "admin", "member"]);
    const usage = doc.paths["/manage/v1/usage"]!.get as { parameters: { name: string }[] };
    expect(usage.parameters.map((p) => p.name)).toEqual([
      "start_ms",
      "end_ms",
      "bucket",
      "group_by",
      "member_id",
      "model",
      "provider",
      "category",
    ]);
    const chat = doc.paths["/v1/chat/completions"]!.post as {
      requestBody: object;
      responses: object;
    };
    expect(JSON.stringify(chat.requestBody)).toContain("messages");
    expect(doc.paths["/health"]!.get).toMatchObject({ security: [] });
  });
});
