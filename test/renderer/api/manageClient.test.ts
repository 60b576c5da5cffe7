import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient, type ApiClient } from "../../../src-renderer/api/createApiClient";
import { manageUrl } from "../../../src-renderer/api/manageClient";
import type { ServerEvent } from "../../../src-renderer/api/serverEvents";
import { renderManageEndpoints } from "../../../scripts/manageEndpointsSource";
import { startTestServer, type TestServer } from "../../helpers/testServer";

describe("manageEndpoints.gen.ts", () => {
  it("is what the route table generates today (run npm run gen:manage-client)", async () => {
    const current = fs.readFileSync("src-renderer/api/manageEndpoints.gen.ts", "utf8");
    expect(current).toBe(await renderManageEndpoints());
  });
});

describe("manageUrl", () => {
  it("encodes parameters, keeps a wildcard's slashes and repeats array queries", () => {
    expect(manageUrl("/members/:id/keys", { id: "a b/c" })).toBe(
      "/manage/v1/members/a%20b%2Fc/keys",
    );
    expect(manageUrl("/pools/*id", { id: "org/gpt 4o" })).toBe("/manage/v1/pools/org/gpt%204o");
    expect(manageUrl("/usage", {}, { group_by: ["member", "model"], limit: 5, x: undefined })).toBe(
      "/manage/v1/usage?group_by=member&group_by=model&limit=5",
    );
    expect(() => manageUrl("/keys/:id")).toThrow("missing path parameter id");
  });
});

describe("the typed client against a real server", () => {
  let t: TestServer;
  let api: ApiClient;
  const rejected: string[] = [];
  beforeAll(async () => {
    t = await startTestServer();
    const owner = t.auth.authorization.slice("Bearer ".length);
    api = createApiClient(t.url, {
      apiKey: () => owner,
      onKeyRejected: (_k, message) => rejected.push(message),
    });
  });
  afterAll(() => t?.close());

  it("creates, reads and edits a member, parsed with the contract", async () => {
    const created = await api.manage("POST /members", { body: { name: "Ada", role: "member" } });
    expect(created).toMatchObject({ name: "Ada", role: "member", status: "active" });
    const patched = await api.manage("PATCH /members/:id", {
      params: { id: created.id },
      body: { name: "Ada L." },
    });
    expect(patched.name).toBe("Ada L.");
    const list = await api.manage("GET /members");
    expect(list.data.map((m) => m.name)).toContain("Ada L.");
  });

  it("turns an error answer into an ApiRequestError with the server's body", async () => {
    const err = await api
      .manage("GET /members/:id", { params: { id: "mem_missing" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).status).toBe(404);
    expect((err as ApiRequestError).serverError?.code).toBe("not_found");
  });

  it("follows the event stream and reports a rejected key", async () => {
    const seen: ServerEvent[] = [];
    const stop = new AbortController();
    const following = api.followEvents((e) => {
      seen.push(e);
      if (e.type === "member.create") stop.abort();
    }, stop.signal);
    // The subscription is live once the server wrote its first comment; retry the write until seen.
    for (let i = 0; i < 50 && !stop.signal.aborted; i++) {
      await api.manage("POST /members", { body: { name: `Evt${i}`, role: "viewer" } });
      await new Promise((r) => setTimeout(r, 100));
    }
    await following;
    expect(seen.find((e) => e.type === "member.create")?.data).toMatchObject({ role: "viewer" });

    const bad = createApiClient(t.url, {
      apiKey: () => "btk_notAKey",
      onKeyRejected: (_k, message) => rejected.push(message),
    });
    await expect(bad.manage("GET /me")).rejects.toMatchObject({ status: 401 });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).not.toContain("btk_notAKey");
  });
});
