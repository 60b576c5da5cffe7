import type { EffectiveLimitsDto, MemberStatusDto, PriceDto, ServerDto } from "@contract";

/**
 * "Connect a tool": ready-to-paste setups for a key, for the coding agents and SDKs teammates
 * use (Claude Code, Codex CLI, Continue, Aider, the OpenAI and Anthropic SDKs, curl), all naming
 * the address teammates can reach, a model the key's member may call and a `max_tokens` their
 * budget admits. Each snippet's HTTP call shape is exercised against a real server by
 * test/renderer/lib/connectSnippets.test.ts.
 */
export type SnippetLanguage = "bash" | "python" | "javascript" | "json" | "toml" | "yaml";

export interface SnippetBlock {
  /** Where it goes (`~/.codex/config.toml`), or what it is (`Shell`). */
  title: string;
  language: SnippetLanguage;
  code: string;
}

export type ToolId =
  | "claude"
  | "codex"
  | "continue"
  | "aider"
  | "python"
  | "javascript"
  | "anthropic"
  | "curl"
  | "env";

export interface KeySnippet {
  id: ToolId;
  label: string;
  blocks: SnippetBlock[];
  /** One line on what the setup does or needs. */
  note: string;
}

/** Used when no model is known for the member. */
export const MODEL_PLACEHOLDER = "<model>";
/** Used where the key is not known (My account: keys are shown once, when created). */
export const KEY_PLACEHOLDER = "<your API key>";
/** `max_tokens` when the member has no `max_tokens` limit and nothing else bounds it. */
export const DEFAULT_MAX_TOKENS = 4096;
/** The environment variable Codex reads the key from (its provider's `env_key`). */
export const CODEX_ENV_KEY = "BENCHTOP_API_KEY";

export interface ConnectTarget {
  /** The server's origin, as teammates reach it (see normalizeBaseUrl). */
  origin: string;
  key: string;
  model?: string;
  /** Defaults to DEFAULT_MAX_TOKENS. */
  maxTokens?: number;
}

/**
 * `text` as an origin the snippets can use (`http://10.0.0.5:4747`): http(s) only, no path,
 * no trailing slash; `undefined` when it is not one.
 */
export function normalizeBaseUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  if (url.pathname !== "/" && url.pathname !== "") return undefined;
  return url.origin;
}

/** Single-quoted for POSIX shells: safe for any value. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
/**
 * A double-quoted string literal valid in Python, JavaScript, JSON, TOML and YAML alike (JSON's
 * escapes are a subset of each).
 */
const lit = (s: string) => JSON.stringify(s);

/** The snippets for a key against the server at `t.origin`. */
export function keySnippets(t: ConnectTarget): KeySnippet[] {
  const { origin, key } = t;
  const model = t.model ?? MODEL_PLACEHOLDER;
  const maxTokens = t.maxTokens ?? DEFAULT_MAX_TOKENS;
  const v1 = `${origin}/v1`;
  const hello = [{ role: "user", content: "Hello!" }];
  const claudeEnv: [string, string][] = [
    ["ANTHROPIC_BASE_URL", origin],
    // Sent as `Authorization: Bearer`, as Claude Code's LLM-gateway setup does (ANTHROPIC_API_KEY
    // would go as `x-api-key`, which Benchtop accepts too).
    ["ANTHROPIC_AUTH_TOKEN", key],
    ...(model === MODEL_PLACEHOLDER
      ? []
      : ([
          ["ANTHROPIC_MODEL", model],
          // Its background and subagent calls go to the same model.
          ["ANTHROPIC_DEFAULT_HAIKU_MODEL", model],
          ["CLAUDE_CODE_SUBAGENT_MODEL", model],
        ] as [string, string][])),
    ["CLAUDE_CODE_MAX_OUTPUT_TOKENS", String(maxTokens)],
    // Without these Claude Code puts a per-request nonce at the top of the system prompt and a
    // "tokens left" reminder after tool results: a local model then re-reads the whole prompt
    // every turn instead of reusing its cache.
    ["CLAUDE_CODE_ATTRIBUTION_HEADER", "0"],
    ["CLAUDE_CODE_TOTAL_TOKENS_REMINDER", "off"],
  ];
  return [
    {
      id: "claude",
      label: "Claude Code",
      note: "Claude Code calls Benchtop's Anthropic-compatible /v1/messages and sends its session id, so the Usage page shows what each task cost.",
      blocks: [
        {
          title: "Shell",
          language: "bash",
          code: [...claudeEnv.map(([n, v]) => `export ${n}=${shellQuote(v)}`), "claude"].join("\n"),
        },
        {
          title: "~/.claude/settings.json (or the project's .claude/settings.local.json)",
          language: "json",
          code: JSON.stringify({ env: Object.fromEntries(claudeEnv) }, null, 2),
        },
      ],
    },
    {
      id: "codex",
      label: "Codex CLI",
      note: "Codex calls /v1/responses with zstd-compressed bodies, which Benchtop decodes.",
      blocks: [
        {
          title: "~/.codex/config.toml",
          language: "toml",
          code: [
            "[model_providers.benchtop]",
            'name = "Benchtop"',
            `base_url = ${lit(v1)}`,
            `env_key = ${lit(CODEX_ENV_KEY)}`,
            'wire_api = "responses"',
            "",
            "[profiles.benchtop]",
            'model_provider = "benchtop"',
            `model = ${lit(model)}`,
          ].join("\n"),
        },
        {
          title: "Shell",
          language: "bash",
          code: [`export ${CODEX_ENV_KEY}=${shellQuote(key)}`, "codex --profile benchtop"].join(
            "\n",
          ),
        },
      ],
    },
    {
      id: "continue",
      label: "Continue",
      note: "A model entry for Continue's config.yaml (VS Code and JetBrains).",
      blocks: [
        {
          title: "~/.continue/config.yaml",
          language: "yaml",
          code: [
            "name: Benchtop",
            "version: 1.0.0",
            "schema: v1",
            "models:",
            `  - name: ${lit(`Benchtop ${model}`)}`,
            "    provider: openai",
            `    model: ${lit(model)}`,
            `    apiBase: ${lit(v1)}`,
            `    apiKey: ${lit(key)}`,
            "    roles:",
            "      - chat",
            "      - edit",
            "      - apply",
            "    defaultCompletionOptions:",
            `      maxTokens: ${maxTokens}`,
          ].join("\n"),
        },
      ],
    },
    {
      id: "aider",
      label: "Aider",
      note: "Aider talks to any OpenAI-compatible server through the openai/ model prefix.",
      blocks: [
        {
          title: "Shell",
          language: "bash",
          code: [
            `export OPENAI_API_BASE=${shellQuote(v1)}`,
            `export OPENAI_API_KEY=${shellQuote(key)}`,
            `aider --model ${shellQuote(`openai/${model}`)}`,
          ].join("\n"),
        },
      ],
    },
    {
      id: "python",
      label: "OpenAI Python",
      note: "pip install openai",
      blocks: [
        {
          title: "Python",
          language: "python",
          code: [
            "from openai import OpenAI",
            "",
            `client = OpenAI(base_url=${lit(v1)}, api_key=${lit(key)})`,
            "reply = client.chat.completions.create(",
            `    model=${lit(model)},`,
            `    max_tokens=${maxTokens},`,
            `    messages=[{"role": "user", "content": "Hello!"}],`,
            ")",
            "print(reply.choices[0].message.content)",
          ].join("\n"),
        },
      ],
    },
    {
      id: "javascript",
      label: "OpenAI Node",
      note: "npm install openai",
      blocks: [
        {
          title: "JavaScript",
          language: "javascript",
          code: [
            'import OpenAI from "openai";',
            "",
            `const client = new OpenAI({ baseURL: ${lit(v1)}, apiKey: ${lit(key)} });`,
            "const reply = await client.chat.completions.create({",
            `  model: ${lit(model)},`,
            `  max_tokens: ${maxTokens},`,
            '  messages: [{ role: "user", content: "Hello!" }],',
            "});",
            "console.log(reply.choices[0].message.content);",
          ].join("\n"),
        },
      ],
    },
    {
      id: "anthropic",
      label: "Anthropic SDK",
      note: "pip install anthropic / npm install @anthropic-ai/sdk. The base URL has no /v1: the SDK adds it.",
      blocks: [
        {
          title: "Python",
          language: "python",
          code: [
            "import anthropic",
            "",
            `client = anthropic.Anthropic(base_url=${lit(origin)}, api_key=${lit(key)})`,
            "message = client.messages.create(",
            `    model=${lit(model)},`,
            `    max_tokens=${maxTokens},`,
            `    messages=[{"role": "user", "content": "Hello!"}],`,
            ")",
            "print(message.content[0].text)",
          ].join("\n"),
        },
        {
          title: "TypeScript",
          language: "javascript",
          code: [
            'import Anthropic from "@anthropic-ai/sdk";',
            "",
            `const client = new Anthropic({ baseURL: ${lit(origin)}, apiKey: ${lit(key)} });`,
            "const message = await client.messages.create({",
            `  model: ${lit(model)},`,
            `  max_tokens: ${maxTokens},`,
            '  messages: [{ role: "user", content: "Hello!" }],',
            "});",
            "console.log(message.content);",
          ].join("\n"),
        },
      ],
    },
    {
      id: "curl",
      label: "curl",
      note: "Any OpenAI-compatible client works the same way.",
      blocks: [
        {
          title: "Shell",
          language: "bash",
          code: [
            `curl ${v1}/chat/completions \\`,
            `  -H "Authorization: Bearer ${key}" \\`,
            `  -H "Content-Type: application/json" \\`,
            `  -d ${shellQuote(JSON.stringify({ model, max_tokens: maxTokens, messages: hello }))}`,
          ].join("\n"),
        },
      ],
    },
    {
      id: "env",
      label: "Environment",
      note: "For other OpenAI-compatible tools, which read these two variables.",
      blocks: [
        {
          title: "Shell",
          language: "bash",
          code: [
            `export OPENAI_BASE_URL=${shellQuote(v1)}`,
            `export OPENAI_API_KEY=${shellQuote(key)}`,
          ].join("\n"),
        },
      ],
    },
  ];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** What address the snippets name, the others to pick from, and a warning when only this machine can connect. */
export interface ConnectAddress {
  origin: string;
  choices: string[];
  /** Set when teammates cannot reach the address (the server is not shared on the LAN). */
  warning?: string;
}

export const LOOPBACK_WARNING =
  "Benchtop is not shared on the LAN: only this machine can connect. An admin can share it on the Server page.";

/**
 * The address teammates reach: staff (who read `GET /server`) get its share URLs when it is
 * shared on the LAN; anyone else the address this window uses. A loopback address gets the
 * warning that only this machine can connect.
 */
export function connectAddress(current: string, server?: ServerDto): ConnectAddress {
  const shared = server?.lan
    ? server.urls
        .map((u) => normalizeBaseUrl(u.base_url))
        .filter((u): u is string => u !== undefined)
    : [];
  if (shared.length > 0) return { origin: shared[0]!, choices: shared };
  const origin = normalizeBaseUrl(current) ?? current;
  const host = normalizeBaseUrl(current) ? new URL(origin).hostname : "";
  const local = server ? !server.lan : LOOPBACK.test(host);
  return { origin, choices: [origin], ...(local ? { warning: LOOPBACK_WARNING } : {}) };
}

/** A model the member may call: the first listed one their allow-list admits. */
export function connectModel(listed: string[], allowed?: string[] | null): string | undefined {
  if (allowed === null || allowed === undefined) return listed[0];
  return listed.find((m) => allowed.includes(m)) ?? allowed[0];
}

export interface MaxTokensChoice {
  maxTokens: number;
  /** `limit`: the member's max_tokens limit; `budget`: what their remaining budget pays for. */
  limitedBy: "default" | "limit" | "budget";
  /** The remaining budget does not pay for even one completion token. */
  exhausted: boolean;
}

/**
 * A `max_tokens` the member's budget admits: their `max_tokens` limit if set, else
 * DEFAULT_MAX_TOKENS, lowered so that what remains of their daily and monthly caps (or, on a
 * member-paid model, their available credits) pays for that many completion tokens at the
 * model's output price. Unpriced or free models, and members without caps, are not lowered; the
 * prompt's own cost is not counted (admission reserves it too, so a long prompt near the cap can
 * still be refused). At least 1.
 */
export function suggestMaxTokens(opts: {
  limits?: EffectiveLimitsDto;
  status?: MemberStatusDto;
  price?: PriceDto;
}): MaxTokensChoice {
  const { limits, status, price } = opts;
  let maxTokens = limits?.max_tokens ?? DEFAULT_MAX_TOKENS;
  let limitedBy: MaxTokensChoice["limitedBy"] = limits?.max_tokens != null ? "limit" : "default";
  let remaining: number | undefined;
  if (price && status) {
    if (price.billing_mode === "member") remaining = status.credits.available_micros;
    else {
      const left: number[] = [];
      if (limits?.daily_cap_micros != null)
        left.push(
          limits.daily_cap_micros - status.spend_today_micros - status.reserved_today_micros,
        );
      if (limits?.monthly_cap_micros != null)
        left.push(
          limits.monthly_cap_micros - status.spend_month_micros - status.reserved_month_micros,
        );
      if (left.length) remaining = Math.min(...left);
    }
  }
  let exhausted = false;
  if (price && price.output_micros_per_mtok > 0 && remaining !== undefined) {
    const affordable = Math.floor(
      (Math.max(0, remaining) * 1_000_000) / price.output_micros_per_mtok,
    );
    if (affordable < maxTokens) {
      maxTokens = affordable;
      limitedBy = "budget";
    }
    if (affordable < 1) exhausted = true;
  }
  return { maxTokens: Math.max(1, maxTokens), limitedBy, exhausted };
}
