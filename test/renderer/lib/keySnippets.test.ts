import { describe, expect, it } from "vitest";
import {
  keySnippets,
  MODEL_PLACEHOLDER,
  normalizeBaseUrl,
} from "../../../src-renderer/lib/keySnippets";

const KEY = "btk_abcdefghijklmnopqrstuvwxyz012345ABCDEF";

describe("normalizeBaseUrl", () => {
  it("keeps http(s) origins and refuses paths, credentials and other schemes", () => {
    expect(normalizeBaseUrl("http://192.168.1.20:4747/")).toBe("http://192.168.1.20:4747");
    expect(normalizeBaseUrl(" https://bench.lab.example ")).toBe("https://bench.lab.example");
    expect(normalizeBaseUrl("http://host:4747/v1")).toBeUndefined();
    expect(normalizeBaseUrl("http://u:p@host:4747")).toBeUndefined();
    expect(normalizeBaseUrl("ftp://host")).toBeUndefined();
    expect(normalizeBaseUrl("host:4747")).toBeUndefined();
    expect(normalizeBaseUrl("")).toBeUndefined();
  });
});

describe("keySnippets", () => {
  const byId = (model?: string) =>
    Object.fromEntries(keySnippets("http://10.0.0.5:4747", KEY, model).map((s) => [s.id, s.code]));

  it("points the OpenAI tools at /v1 and Claude Code at the origin", () => {
    const s = byId("tiny");
    expect(s.env).toBe(
      `export OPENAI_BASE_URL=http://10.0.0.5:4747/v1\nexport OPENAI_API_KEY=${KEY}`,
    );
    expect(s.claude).toBe(
      [
        "export ANTHROPIC_BASE_URL=http://10.0.0.5:4747",
        `export ANTHROPIC_AUTH_TOKEN=${KEY}`,
        "export ANTHROPIC_MODEL='tiny'",
        "claude",
      ].join("\n"),
    );
    expect(s.curl).toBe(
      [
        "curl http://10.0.0.5:4747/v1/chat/completions \\",
        `  -H "Authorization: Bearer ${KEY}" \\`,
        '  -H "Content-Type: application/json" \\',
        `  -d '{"model":"tiny","messages":[{"role":"user","content":"Hello!"}]}'`,
      ].join("\n"),
    );
    expect(s.python).toContain(
      `client = OpenAI(base_url="http://10.0.0.5:4747/v1", api_key="${KEY}")`,
    );
    expect(s.python).toContain('    model="tiny",');
    expect(s.javascript).toContain(
      `const client = new OpenAI({ baseURL: "http://10.0.0.5:4747/v1", apiKey: "${KEY}" });`,
    );
    expect(s.javascript).toContain('  model: "tiny",');
  });

  it("quotes model ids for the shell and uses a placeholder when none is known", () => {
    expect(byId("it's/odd").curl).toContain(`-d '{"model":"it'\\''s/odd",`);
    const s = byId();
    expect(s.python).toContain(`    model="${MODEL_PLACEHOLDER}",`);
    expect(s.claude).not.toContain("ANTHROPIC_MODEL");
  });
});
