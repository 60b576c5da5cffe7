import { describe, expect, it } from "vitest";
import { createDetectors, loadSecretRules } from "../../src-main/guard/detect/index.js";
import { KeywordIndex } from "../../src-main/guard/detect/keywords.js";
import { shannonEntropy, stripLazyPrefix } from "../../src-main/guard/detect/secrets.js";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import { SECRET_MAKERS, prng } from "./fixtures/corpus.js";

const detectors = createDetectors();
const rules = loadSecretRules();
/** [type, rule, value] of each secret finding. */
const found = (text: string) => detectors.secrets(text).map((f) => [f.type, f.rule, f.value]);

describe("secret rules (data)", () => {
  it("ship gitleaks' rules with their source and Benchtop's own, all compiled", () => {
    const ids = rules.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rules.rules.filter((r) => r.source === "gitleaks").length).toBeGreaterThan(200);
    expect(rules.rules.filter((r) => r.source === "benchtop").map((r) => r.id)).toContain(
      "benchtop-api-key",
    );
    for (const r of rules.rules)
      expect(() => new RegExp(r.regex.source, r.regex.flags)).not.toThrow();
  });
});

describe("secret detection: canaries of every kind, exact spans", () => {
  const r = prng(7);
  // Fixed scrambled base62 (not the alphabet in order: gitleaks' global allowlist stops
  // anything containing "abcdefghijklmnopqrstuvwxyz", see the test below).
  const key = "q7Lm2ZxR9wK4pTb8NcV1hJ6fD3sG0aY5eU7iO2rW9tQ4yP8uE1oZ6nM3bX5vC0lk";
  const cases: [string, string, string, string][] = [
    // [what, text around (VALUE marks the secret), expected type, expected rule]
    ["OpenAI project key", `OPENAI_API_KEY=VALUE`, "openai", "openai-api-key"],
    ["Anthropic key", `client = Anthropic(api_key="VALUE")`, "anthropic", "anthropic-api-key"],
    ["Groq key", `export GROQ_API_KEY=VALUE`, "groq", "groq-api-key"],
    ["OpenRouter key", `Authorization: Bearer VALUE`, "openrouter", "openrouter-api-key"],
    [
      "Hugging Face token",
      `huggingface-cli login --token VALUE`,
      "huggingface",
      "huggingface-access-token",
    ],
    ["GitHub PAT", `git clone https://VALUE@github.com/org/repo`, "github", "github-pat"],
    ["GitLab PAT", `PRIVATE-TOKEN: VALUE`, "gitlab", "gitlab-pat"],
    ["Stripe live key", `stripe.api_key = "VALUE"`, "stripe", "stripe-access-token"],
    [
      "Benchtop key",
      `curl -H "Authorization: Bearer VALUE" localhost`,
      "benchtop",
      "benchtop-api-key",
    ],
  ];
  const values: Record<string, string> = {
    "OpenAI project key": `sk-proj-${key.repeat(2).slice(0, 74)}T3BlbkFJ${key.repeat(2).slice(3, 77)}`,
    "Anthropic key": `sk-ant-api03-${key.repeat(2).slice(0, 93)}AA`,
    "Groq key": `gsk_${key.slice(0, 52)}`,
    "OpenRouter key": `sk-or-v1-${"0123456789abcdef".repeat(4)}`,
    "Hugging Face token": `hf_${key.replace(/[0-9]/g, "").slice(0, 34)}`,
    "GitHub PAT": `ghp_${key.slice(0, 36)}`,
    "GitLab PAT": `glpat-${key.slice(10, 30)}`,
    "Stripe live key": `sk_live_${key.slice(5, 29)}`,
    "Benchtop key": generateApiKey().plain,
  };
  it.each(cases)("%s", (what, around, type, rule) => {
    const value = values[what]!;
    const text = around.replace("VALUE", value);
    const findings = detectors.secrets(text);
    expect(findings.map((f) => [f.type, f.rule, f.value])).toEqual([[type, rule, value]]);
    expect(findings[0]!.start).toBe(text.indexOf(value));
    expect(findings[0]!.end).toBe(text.indexOf(value) + value.length);
  });

  it.each(Object.keys(SECRET_MAKERS))("every shape of %s from the corpus makers", (type) => {
    for (const make of SECRET_MAKERS[type]!) {
      const p = make(r);
      const text = `before\n${p.text}\nafter`;
      const start = text.indexOf(p.secret);
      const findings = detectors.secrets(text);
      expect(findings.map((f) => ({ type: f.type, start: f.start, end: f.end }))).toEqual([
        { type, start, end: start + p.secret.length },
      ]);
    }
  });

  it("AWS: the access key id and the secret near aws_secret_access_key, each its own span", () => {
    const text =
      "[default]\naws_access_key_id = AKIAZ7Q2MXK4PLR3VWNB\naws_secret_access_key = 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\n";
    expect(found(text)).toEqual([
      ["aws", "aws-access-token", "AKIAZ7Q2MXK4PLR3VWNB"],
      ["aws", "aws-secret-access-key", "kZ3x9Qp2Lm8Rt5Vw1Yb4Nc7Hd0Jf6Gs2Ae9Uo3Ti"],
    ]);
  });

  it("AWS's documentation examples are allowlisted (gitleaks' .+EXAMPLE$, Benchtop's EXAMPLEKEY$)", () => {
    const text =
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    expect(found(text)).toEqual([]);
  });

  it("a value containing the alphabet in order is allowlisted (gitleaks' global stopword)", () => {
    expect(found("ghp_0123456789abcdefghijklmnopqrstuvwxyz")).toEqual([]);
  });

  it("a private key is found as its whole PEM block", () => {
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n".repeat(3)}-----END OPENSSH PRIVATE KEY-----`;
    const text = `here is my key:\n${pem}\nthanks`;
    expect(detectors.secrets(text).map((f) => [f.type, f.start, f.end])).toEqual([
      ["private-key", text.indexOf(pem), text.indexOf(pem) + pem.length],
    ]);
  });

  it("database URLs: the password, not the user or host", () => {
    expect(found("DATABASE_URL=postgres://user:pass@host:5432/db")).toEqual([
      ["database-url", "database-url-password", "pass"],
    ]);
    expect(found("mongodb+srv://svc:Xy7pQ2mN@cluster0.example.net/app")).toEqual([
      ["database-url", "database-url-password", "Xy7pQ2mN"],
    ]);
    expect(found("redis://:s3cr3tpw@cache:6379/0 and mysql://root:${DB_PASSWORD}@db/app")).toEqual([
      ["database-url", "database-url-password", "s3cr3tpw"],
    ]);
  });

  it("generic assignments: the value only, with entropy; placeholders and low entropy pass", () => {
    expect(found('password = "Tq8vLm2Zx9Rw4Kp"')).toEqual([
      ["generic", "generic-api-key", "Tq8vLm2Zx9Rw4Kp"],
    ]);
    expect(found("SECRET=aB3dE5fG7hJ9kL1mN")).toEqual([
      ["generic", "generic-api-key", "aB3dE5fG7hJ9kL1mN"],
    ]);
    expect(
      found('password = "aaaaaaaaaaaa"\napi_key: ${API_KEY}\ntoken = "{{ secrets.TOKEN }}"'),
    ).toEqual([]);
  });

  it("a provider key assigned to a generic name is typed by the provider (priority)", () => {
    const value = `ghp_${"aB3dE5fG7hJ9".repeat(3)}`;
    expect(found(`api_token = "${value}"`)).toEqual([["github", "github-pat", value]]);
  });

  it("a GCP service-account JSON's private key is typed gcp", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\\n${"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7".repeat(2)}\\n-----END PRIVATE KEY-----\\n`;
    const text = `{"type": "service_account", "private_key": "${pem}"}`;
    expect(found(text)).toEqual([["gcp", "gcp-service-account-private-key", pem]]);
  });

  it("ordinary code and prose have no secrets", () => {
    const text = [
      "const apiKey = process.env.OPENAI_API_KEY;",
      "function getToken(user) { return jwt.sign({ sub: user.id }, secret); }",
      "The access token expires after 3600 seconds; refresh it with the refresh_token grant.",
      "commit 4f1c2b7e9a0d3c5b8e6f1a2d4c7b9e0f3a5c8d1b",
      "id: 123e4567-e89b-12d3-a456-426614174000",
    ].join("\n");
    expect(found(text)).toEqual([]);
  });
});

describe("secret scanning internals", () => {
  it("the keyword automaton reports exactly the keywords that occur, ignoring case", () => {
    const index = new KeywordIndex(["xoxe", "xoxe.xoxb-", "key", "api", "sk-ant-api03"]);
    expect([...index.present("Token: XOXE.XOXB-123")].sort()).toEqual(["xoxe", "xoxe.xoxb-"]);
    expect([...index.present("sk-ant-api03-abc")].sort()).toEqual(["api", "sk-ant-api03"]);
    expect([...index.present("monkey")]).toEqual(["key"]);
    expect([...index.present("nothing here é")]).toEqual([]);
  });

  it("entropy is Shannon's, bits per character", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });

  it("the lazy identifier prefix is stripped for scanning only", () => {
    expect(stripLazyPrefix("[\\w\\.\\-]{0,50}?(?:okta)x")).toEqual({
      source: "(?:okta)x",
      back: 50,
    });
    expect(stripLazyPrefix("[\\w\\.\\-]{0,50}?(?:[\\w\\.\\-]{0,50}?(?:a))")).toEqual({
      source: "(?:(?:a))",
      back: 100,
    });
    // The match start is re-extended: the generic rule's match allowlist still sees `random_access`.
    expect(found("random_access = Zq8vLm2Zx9Rw4KpT")).toEqual([]);
  });
});
