import type { ConnectionDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  baseUrlProblem,
  emptyConnectionForm,
  formFromConnection,
  hasErrors,
  parseHeaderRows,
  patchBody,
  validateConnectionForm,
  withKind,
} from "../../../src-renderer/features/connections/connectionForm";
import { moveCheck } from "../../../src-renderer/features/connections/connectionMove";

describe("base URL", () => {
  it("is prefilled per kind and follows the kind until the admin types one", () => {
    expect(emptyConnectionForm().baseUrl).toBe("https://api.openai.com/v1");
    const groq = withKind(emptyConnectionForm(), "groq");
    expect(groq.baseUrl).toBe("https://api.groq.com/openai/v1");
    expect(withKind(groq, "openrouter").baseUrl).toBe("https://openrouter.ai/api/v1");
    expect(withKind(groq, "anthropic").baseUrl).toBe("https://api.anthropic.com");
    expect(withKind(groq, "openai_compatible").baseUrl).toBe("");
    const typed = { ...groq, baseUrl: "https://proxy.lab/v1" };
    expect(withKind(typed, "openai").baseUrl).toBe("https://proxy.lab/v1");
    expect(withKind({ ...groq, baseUrl: "" }, "openai").baseUrl).toBe("https://api.openai.com/v1");
  });

  it("must be an absolute http(s) URL without credentials, query or fragment", () => {
    expect(baseUrlProblem("", "openai_compatible")).toBe(
      "A custom endpoint needs its base URL, e.g. http://10.0.0.5:8000/v1.",
    );
    expect(baseUrlProblem("  ", "openai")).toBe("Enter the base URL.");
    expect(baseUrlProblem("10.0.0.5/v1", "openai")).toBe(
      "The base URL must be an absolute http(s) URL.",
    );
    expect(baseUrlProblem("ftp://x/v1", "openai")).toBe(
      "The base URL must be an http or https URL.",
    );
    expect(baseUrlProblem("https://u:p@x/v1", "openai")).toBe(
      "The base URL must not contain credentials; add keys with POST /connections/{id}/keys.",
    );
    expect(baseUrlProblem("https://x/v1?key=1", "openai")).toBe(
      "The base URL must not have a query string or fragment.",
    );
    expect(baseUrlProblem("http://127.0.0.1:8000/v1/", "openai_compatible")).toBeUndefined();
  });
});

describe("extra headers", () => {
  it("skips blank rows, lower-cases names and flags each bad row", () => {
    const r = parseHeaderRows([
      { name: "X-Title", value: "Benchtop" },
      { name: "", value: "" },
      { name: "", value: "orphan" },
      { name: "Authorization", value: "Bearer x" },
      { name: "x-title", value: "again" },
      { name: "bad name", value: "v" },
      { name: "x-ok", value: "line\nbreak" },
      { name: "HTTP-Referer", value: "https://lab.example" },
    ]);
    expect(r.headers).toEqual({ "x-title": "Benchtop", "http-referer": "https://lab.example" });
    expect(r.rowErrors).toEqual([
      undefined,
      undefined,
      "Give the header a name.",
      "'authorization' cannot be set here: provider keys go in the Keys section.",
      "'x-title' is given twice.",
      "The header name must be an HTTP header name.",
      "The value must be visible ASCII without line breaks.",
      undefined,
    ]);
    expect(r.listError).toBeUndefined();
  });

  it("allows at most 20", () => {
    const rows = Array.from({ length: 21 }, (_, i) => ({ name: `x-h${i}`, value: "v" }));
    expect(parseHeaderRows(rows).listError).toBe("At most 20 extra headers.");
    expect(parseHeaderRows(rows.slice(1)).listError).toBeUndefined();
  });
});

describe("the whole form", () => {
  it("gives the create body only when nothing is wrong", () => {
    const bad = validateConnectionForm({ ...emptyConnectionForm("openai_compatible"), name: " " });
    expect(bad.body).toBeUndefined();
    expect(bad.errors.name).toBe("Name the connection.");
    expect(bad.errors.baseUrl).toMatch(/^A custom endpoint needs/);

    const good = validateConnectionForm({
      name: "  vLLM box ",
      kind: "openai_compatible",
      baseUrl: "http://10.0.0.5:8000/v1/",
      headers: [{ name: "X-Lab", value: "bench" }],
      region: " ",
      retention: "nothing kept",
    });
    expect(good.body).toEqual({
      name: "vLLM box",
      kind: "openai_compatible",
      base_url: "http://10.0.0.5:8000/v1",
      headers: { "x-lab": "bench" },
      region: null,
      retention: "nothing kept",
    });
  });

  it("patches only what changed", () => {
    const before: ConnectionDto = {
      id: "con_1",
      name: "A",
      kind: "openai",
      base_url: "https://api.openai.com/v1",
      headers: { "x-a": "1" },
      region: "US",
      retention: null,
      redact_secrets: true,
      keys: [],
      created_ms: 1,
      updated_ms: 1,
    };
    const same = validateConnectionForm({
      name: "A",
      kind: "openai",
      baseUrl: "https://api.openai.com/v1",
      headers: [{ name: "x-a", value: "1" }],
      region: "US",
      retention: "",
    }).body!;
    expect(patchBody(before, same)).toEqual({});
    expect(patchBody(before, { ...same, name: "B", headers: {}, region: null })).toEqual({
      name: "B",
      headers: {},
      region: null,
    });
  });
});

describe("editing the base URL of a connection with secrets (issue 14, item 2)", () => {
  const withKeys: ConnectionDto = {
    id: "con_1",
    name: "A",
    kind: "openai_compatible",
    base_url: "http://10.0.0.5:8000/v1",
    headers: { "x-goog-api-key": "…1234", "x-lab": "bench" },
    region: null,
    retention: null,
    redact_secrets: true,
    keys: [
      {
        id: "ck_1",
        connection_id: "con_1",
        label: "lab account",
        last4: "abcd",
        status: "active",
        status_reason: null,
        created_ms: 1,
        updated_ms: 1,
      },
    ],
    created_ms: 1,
    updated_ms: 1,
  };

  it("asks nothing while the URL stays (spelt the same after normalizing)", () => {
    expect(moveCheck(withKeys, "http://10.0.0.5:8000/v1/")).toEqual({
      moved: false,
      keysNeeded: false,
    });
    const values = formFromConnection(withKeys);
    expect(values.keys).toEqual([{ label: "lab account", key: "" }]);
    const r = validateConnectionForm(values, withKeys);
    expect(r.body).toBeDefined();
    expect(patchBody(withKeys, r.body!, values.keys)).toEqual({});
  });

  it("asks for the keys again and new values of credential headers when the URL moves", () => {
    expect(moveCheck(withKeys, "https://proxy.example/v1")).toEqual({
      moved: true,
      keysNeeded: true,
      toHost: "proxy.example",
    });
    const values = { ...formFromConnection(withKeys), baseUrl: "https://proxy.example/v1" };
    const r = validateConnectionForm(values, withKeys);
    expect(r.body).toBeUndefined();
    expect(r.errors.keyRows).toEqual([{ label: undefined, key: "Enter the key again." }]);
    expect(r.errors.headerRows).toEqual([
      "Enter this value again: a stored credential is not sent to a new address. Or remove the header.",
      undefined,
    ]);
    const none = validateConnectionForm({ ...values, keys: [] }, withKeys);
    expect(none.errors.keys).toBe(
      "Enter at least one key: the stored ones are not sent to the new address.",
    );

    const entered = {
      ...values,
      keys: [{ label: " lab account ", key: "sk-new-000000000001" }],
      headers: [
        { name: "x-goog-api-key", value: "AIzaSyNewValue0000005678" },
        { name: "x-lab", value: "bench" },
      ],
    };
    const ok = validateConnectionForm(entered, withKeys);
    expect(hasErrors(ok.errors)).toBe(false);
    expect(patchBody(withKeys, ok.body!, entered.keys)).toEqual({
      base_url: "https://proxy.example/v1",
      headers: { "x-goog-api-key": "AIzaSyNewValue0000005678", "x-lab": "bench" },
      keys: [{ label: "lab account", key: "sk-new-000000000001" }],
    });
  });

  it("a connection without keys moves without them; its masked headers still need values", () => {
    const keyless = { ...withKeys, keys: [] };
    const values = { ...formFromConnection(keyless), baseUrl: "https://proxy.example/v1" };
    const r = validateConnectionForm(values, keyless);
    expect(r.errors.keyRows).toBeUndefined();
    expect(r.errors.headerRows[0]).toMatch(/^Enter this value again/);
    const dropped = validateConnectionForm({ ...values, headers: [values.headers[1]!] }, keyless);
    expect(patchBody(keyless, dropped.body!, values.keys)).toEqual({
      base_url: "https://proxy.example/v1",
      headers: { "x-lab": "bench" },
    });
  });
});
