import type { EffectiveLimitsDto, MemberStatusDto, PriceDto, ServerDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  connectAddress,
  connectModel,
  DEFAULT_MAX_TOKENS,
  keySnippets,
  LOOPBACK_WARNING,
  MODEL_PLACEHOLDER,
  normalizeBaseUrl,
  suggestMaxTokens,
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
  const byId = (model?: string, maxTokens?: number) =>
    Object.fromEntries(
      keySnippets({ origin: "http://10.0.0.5:4747", key: KEY, model, maxTokens }).map((s) => [
        s.id,
        s.blocks.map((b) => b.code),
      ]),
    );

  it("covers every tool, pointing the OpenAI tools at /v1 and Claude Code at the origin", () => {
    const s = byId("tiny", 512);
    expect(Object.keys(s)).toEqual([
      "claude",
      "codex",
      "continue",
      "aider",
      "python",
      "javascript",
      "anthropic",
      "curl",
      "env",
    ]);
    expect(s.claude![0]).toBe(
      [
        "export ANTHROPIC_BASE_URL='http://10.0.0.5:4747'",
        `export ANTHROPIC_AUTH_TOKEN='${KEY}'`,
        "export ANTHROPIC_MODEL='tiny'",
        "export ANTHROPIC_DEFAULT_HAIKU_MODEL='tiny'",
        "export CLAUDE_CODE_SUBAGENT_MODEL='tiny'",
        "export CLAUDE_CODE_MAX_OUTPUT_TOKENS='512'",
        "export CLAUDE_CODE_ATTRIBUTION_HEADER='0'",
        "export CLAUDE_CODE_TOTAL_TOKENS_REMINDER='off'",
        "claude",
      ].join("\n"),
    );
    expect(JSON.parse(s.claude![1]!)).toEqual({
      env: {
        ANTHROPIC_BASE_URL: "http://10.0.0.5:4747",
        ANTHROPIC_AUTH_TOKEN: KEY,
        ANTHROPIC_MODEL: "tiny",
        ANTHROPIC_DEFAULT_HAIKU_MODEL: "tiny",
        CLAUDE_CODE_SUBAGENT_MODEL: "tiny",
        CLAUDE_CODE_MAX_OUTPUT_TOKENS: "512",
        CLAUDE_CODE_ATTRIBUTION_HEADER: "0",
        CLAUDE_CODE_TOTAL_TOKENS_REMINDER: "off",
      },
    });
    expect(s.codex![0]).toBe(
      [
        "[model_providers.benchtop]",
        'name = "Benchtop"',
        'base_url = "http://10.0.0.5:4747/v1"',
        'env_key = "BENCHTOP_API_KEY"',
        'wire_api = "responses"',
        "",
        "[profiles.benchtop]",
        'model_provider = "benchtop"',
        'model = "tiny"',
      ].join("\n"),
    );
    expect(s.codex![1]).toBe(`export BENCHTOP_API_KEY='${KEY}'\ncodex --profile benchtop`);
    expect(s.aider![0]).toBe(
      [
        "export OPENAI_API_BASE='http://10.0.0.5:4747/v1'",
        `export OPENAI_API_KEY='${KEY}'`,
        "aider --model 'openai/tiny'",
      ].join("\n"),
    );
    expect(s.continue![0]).toContain('    apiBase: "http://10.0.0.5:4747/v1"\n');
    expect(s.continue![0]).toContain("      maxTokens: 512");
    expect(s.env![0]).toBe(
      `export OPENAI_BASE_URL='http://10.0.0.5:4747/v1'\nexport OPENAI_API_KEY='${KEY}'`,
    );
    expect(s.curl![0]).toBe(
      [
        "curl http://10.0.0.5:4747/v1/chat/completions \\",
        `  -H "Authorization: Bearer ${KEY}" \\`,
        '  -H "Content-Type: application/json" \\',
        `  -d '{"model":"tiny","max_tokens":512,"messages":[{"role":"user","content":"Hello!"}]}'`,
      ].join("\n"),
    );
    expect(s.python![0]).toContain(
      `client = OpenAI(base_url="http://10.0.0.5:4747/v1", api_key="${KEY}")`,
    );
    expect(s.javascript![0]).toContain("  max_tokens: 512,");
    // The Anthropic SDK adds /v1 itself.
    expect(s.anthropic![0]).toContain(
      `client = anthropic.Anthropic(base_url="http://10.0.0.5:4747", api_key="${KEY}")`,
    );
  });

  it("quotes odd model ids for each language and uses placeholders when nothing is known", () => {
    const odd = byId(`it's/"odd"`);
    expect(odd.curl![0]).toContain(`-d '{"model":"it'\\''s/\\"odd\\"",`);
    expect(odd.codex![0]).toContain(`model = "it's/\\"odd\\""`);
    expect(odd.aider![0]).toContain(`aider --model 'openai/it'\\''s/"odd"'`);
    const s = byId();
    expect(s.python![0]).toContain(`    model="${MODEL_PLACEHOLDER}",`);
    expect(s.python![0]).toContain(`    max_tokens=${DEFAULT_MAX_TOKENS},`);
    expect(s.claude![0]).not.toContain("ANTHROPIC_MODEL");
  });
});

const server = (lan: boolean, urls: string[]) =>
  ({ lan, urls: urls.map((base_url) => ({ base_url, via: "lan" })) }) as unknown as ServerDto;

describe("connectAddress", () => {
  it("gives staff the LAN share URLs when shared, and warns when only this machine can connect", () => {
    expect(
      connectAddress(
        "http://127.0.0.1:4747",
        server(true, ["http://192.168.1.20:4747", "http://bench.local:4747"]),
      ),
    ).toEqual({
      origin: "http://192.168.1.20:4747",
      choices: ["http://192.168.1.20:4747", "http://bench.local:4747"],
    });
    expect(
      connectAddress("http://127.0.0.1:4747", server(false, ["http://127.0.0.1:4747"])),
    ).toEqual({
      origin: "http://127.0.0.1:4747",
      choices: ["http://127.0.0.1:4747"],
      warning: LOOPBACK_WARNING,
    });
    // Members cannot read the server's binding: the address they use, a warning on loopback.
    expect(connectAddress("http://192.168.1.20:4747")).toEqual({
      origin: "http://192.168.1.20:4747",
      choices: ["http://192.168.1.20:4747"],
    });
    expect(connectAddress("http://localhost:4747").warning).toBe(LOOPBACK_WARNING);
    expect(connectAddress("http://[::1]:4747").warning).toBe(LOOPBACK_WARNING);
  });
});

describe("connectModel", () => {
  it("picks the first listed model the allow-list admits", () => {
    expect(connectModel(["a", "b", "c"], null)).toBe("a");
    expect(connectModel(["a", "b", "c"], ["c", "b"])).toBe("b");
    expect(connectModel([], ["x"])).toBe("x");
    expect(connectModel([], null)).toBeUndefined();
  });
});

describe("suggestMaxTokens", () => {
  const limits = (o: Partial<EffectiveLimitsDto>) =>
    ({
      max_tokens: null,
      daily_cap_micros: null,
      monthly_cap_micros: null,
      ...o,
    }) as EffectiveLimitsDto;
  const status = (o: Partial<MemberStatusDto>) =>
    ({
      spend_today_micros: 0,
      reserved_today_micros: 0,
      spend_month_micros: 0,
      reserved_month_micros: 0,
      credits: { balance_micros: 0, reserved_micros: 0, available_micros: 0 },
      ...o,
    }) as MemberStatusDto;
  // $10 per million output tokens: 10 µ$ a token.
  const price = (billing_mode: "org" | "member"): PriceDto => ({
    model: "m",
    input_micros_per_mtok: 1_000_000,
    output_micros_per_mtok: 10_000_000,
    billing_mode,
  });

  it("uses the member's max_tokens limit, else the default", () => {
    expect(suggestMaxTokens({})).toEqual({
      maxTokens: DEFAULT_MAX_TOKENS,
      limitedBy: "default",
      exhausted: false,
    });
    expect(suggestMaxTokens({ limits: limits({ max_tokens: 700 }) })).toEqual({
      maxTokens: 700,
      limitedBy: "limit",
      exhausted: false,
    });
  });

  it("lowers it to what the remaining daily or monthly cap pays for at the output price", () => {
    // Daily: $0.02 cap − $0.005 spent − $0.005 held = $0.01 = 1,000 tokens; monthly leaves more.
    expect(
      suggestMaxTokens({
        limits: limits({ daily_cap_micros: 20_000, monthly_cap_micros: 1_000_000 }),
        status: status({ spend_today_micros: 5_000, reserved_today_micros: 5_000 }),
        price: price("org"),
      }),
    ).toEqual({ maxTokens: 1000, limitedBy: "budget", exhausted: false });
    // No caps, or a free model: not lowered.
    expect(
      suggestMaxTokens({ limits: limits({}), status: status({}), price: price("org") }),
    ).toEqual({ maxTokens: DEFAULT_MAX_TOKENS, limitedBy: "default", exhausted: false });
  });

  it("on a member-paid model, counts the available credits; none left is exhausted", () => {
    const credits = (available_micros: number) =>
      status({ credits: { balance_micros: 0, reserved_micros: 0, available_micros } });
    expect(suggestMaxTokens({ status: credits(25_000), price: price("member") })).toEqual({
      maxTokens: 2500,
      limitedBy: "budget",
      exhausted: false,
    });
    expect(suggestMaxTokens({ status: credits(-5), price: price("member") })).toEqual({
      maxTokens: 1,
      limitedBy: "budget",
      exhausted: true,
    });
  });
});
