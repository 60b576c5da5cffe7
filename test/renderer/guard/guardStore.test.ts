import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiRequestError } from "../../../src-renderer/api/ApiRequestError";
import { createApiClient } from "../../../src-renderer/api/createApiClient";
import { createGuardStore } from "../../../src-renderer/stores/useGuardStore";
import { startTestServer, type TestServer } from "../../helpers/testServer";

/** The Guardrails page's store against a real server: policies, a dry run, and who may do what. */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const storeFor = (key: string) =>
  createGuardStore({
    api: async () => createApiClient(t.url, { apiKey: () => key, timeoutMs: 60_000 }),
  });

const EMAIL = "jo.tester@example.org";
// Mixed case with no alphabet run: gitleaks' stopwords would suppress one.
const TOKEN = "ghp_R8xK2mQv9LtZ4wPn7HsJ3dYc6FbN1gTe5Ua0";

describe("the guard store", () => {
  it("reads policies with the ids they may name; every write reads them again", async () => {
    const ada = t.addMember({ name: "Ada" });
    const store = storeFor(t.core.ownerToken);
    const s = () => store.getState();
    await s().refresh();
    expect(s()).toMatchObject({
      loaded: true,
      localModels: ["tiny"],
      pools: [],
      aliases: [],
      bodyRetentionDays: null,
      error: undefined,
    });
    expect(s().members.map((m) => m.name)).toEqual(expect.arrayContaining(["Ada"]));
    expect(s().guard!.org).toMatchObject({ pii_mode: "flag", pii_types: null, restore: false });
    expect(s().guard!.keyvault.healthy).toBe(true);

    await s().saveOrg({
      pii_mode: "keep-local",
      pii_types: ["email", "card"],
      apply_local: false,
      keep_local_model: "tiny",
      restore: false,
    });
    expect(s().guard!.org).toMatchObject({
      pii_mode: "keep-local",
      pii_types: ["email", "card"],
      keep_local_model: "tiny",
    });
    await s().saveMember(ada.id, { pii_mode: "redact", pii_types: null, restore: true });
    await s().saveModel("auto", { pii_mode: "block", pii_types: ["card"] });
    expect(s().guard!.members).toEqual([
      expect.objectContaining({ scope_id: ada.id, pii_mode: "redact", restore: true }),
    ]);
    expect(s().guard!.models).toEqual([
      expect.objectContaining({ scope_id: "auto", pii_mode: "block", pii_types: ["card"] }),
    ]);

    // The dry run: the member's policy (redact) for a remote target; values never echoed.
    const text = `mail ${EMAIL} the token ${TOKEN}`;
    const dry = await s().test({ text, member_id: ada.id });
    expect(dry).toEqual({
      findings: [
        {
          kind: "pii",
          type: "email",
          rule: "pii.email",
          start: 5,
          end: 5 + EMAIL.length,
          placeholder: "[EMAIL_1]",
        },
        {
          kind: "secret",
          type: "github",
          rule: expect.any(String),
          start: text.indexOf(TOKEN),
          end: text.length,
          placeholder: "[SECRET_1]",
        },
      ],
      redacted: "mail [EMAIL_1] the token [SECRET_1]",
      pii_mode: "redact",
      pii_scope: "member",
      action: "redacted",
      keep_local_model: null,
    });
    // The model's policy wins over the member's.
    expect(await s().test({ text, member_id: ada.id, model: "auto" })).toMatchObject({
      pii_mode: "block",
      pii_scope: "model:auto",
      // No card in the text: the block policy's types are not found.
      action: "redacted",
    });

    await s().saveBodyRetention(14);
    expect(s().bodyRetentionDays).toBe(14);
    await s().saveBodyRetention(null);
    expect(s().bodyRetentionDays).toBeNull();

    await s().deleteMember(ada.id);
    await s().deleteModel("auto");
    expect(s().guard!.members).toEqual([]);
    expect(s().guard!.models).toEqual([]);
    await s().saveOrg({ pii_mode: "flag", pii_types: null, keep_local_model: null });
  });

  it("shows the server's refusal: a viewer reads and tests, an admin may not set retention", async () => {
    const viewer = storeFor(t.addMember({ role: "viewer" }).key);
    await viewer.getState().refresh();
    expect(viewer.getState().loaded).toBe(true);
    const err = await viewer
      .getState()
      .saveOrg({ pii_mode: "redact" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect((err as ApiRequestError).status).toBe(403);
    expect((await viewer.getState().test({ text: EMAIL })).action).toBe("sent");

    const admin = storeFor(t.addMember({ role: "admin" }).key);
    await admin.getState().refresh();
    const refused = await admin
      .getState()
      .saveBodyRetention(30)
      .catch((e: unknown) => e);
    expect((refused as ApiRequestError).status).toBe(403);

    const member = storeFor(t.addMember().key);
    await member.getState().refresh();
    expect(member.getState().loaded).toBe(false);
    expect(member.getState().error).toMatch(/: 403 /);
  });
});
