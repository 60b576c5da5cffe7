/**
 * Ready-to-paste ways to use a new API key, shown once next to it: curl, the OpenAI SDKs,
 * environment variables for OpenAI-compatible tools, and Claude Code (which reads
 * ANTHROPIC_BASE_URL and sends ANTHROPIC_AUTH_TOKEN as a Bearer token to `/v1/messages`).
 */
export interface KeySnippet {
  id: "curl" | "python" | "javascript" | "env" | "claude";
  label: string;
  language: "bash" | "python" | "javascript";
  code: string;
}

/** Used when no model is known for the member. */
export const MODEL_PLACEHOLDER = "<model>";

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

/** Single-quoted for POSIX shells: safe for any model id. */
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The snippets for `key` against the server at `origin` (see normalizeBaseUrl). */
export function keySnippets(origin: string, key: string, model = MODEL_PLACEHOLDER): KeySnippet[] {
  const v1 = `${origin}/v1`;
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello!" }] });
  const modelLiteral = JSON.stringify(model);
  return [
    {
      id: "curl",
      label: "curl",
      language: "bash",
      code: [
        `curl ${v1}/chat/completions \\`,
        `  -H "Authorization: Bearer ${key}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d ${shellQuote(body)}`,
      ].join("\n"),
    },
    {
      id: "python",
      label: "Python (openai)",
      language: "python",
      code: [
        "from openai import OpenAI",
        "",
        `client = OpenAI(base_url="${v1}", api_key="${key}")`,
        "reply = client.chat.completions.create(",
        `    model=${modelLiteral},`,
        `    messages=[{"role": "user", "content": "Hello!"}],`,
        ")",
        "print(reply.choices[0].message.content)",
      ].join("\n"),
    },
    {
      id: "javascript",
      label: "JavaScript (openai)",
      language: "javascript",
      code: [
        'import OpenAI from "openai";',
        "",
        `const client = new OpenAI({ baseURL: "${v1}", apiKey: "${key}" });`,
        "const reply = await client.chat.completions.create({",
        `  model: ${modelLiteral},`,
        '  messages: [{ role: "user", content: "Hello!" }],',
        "});",
        "console.log(reply.choices[0].message.content);",
      ].join("\n"),
    },
    {
      id: "env",
      label: "Environment",
      language: "bash",
      code: [`export OPENAI_BASE_URL=${v1}`, `export OPENAI_API_KEY=${key}`].join("\n"),
    },
    {
      id: "claude",
      label: "Claude Code",
      language: "bash",
      code: [
        `export ANTHROPIC_BASE_URL=${origin}`,
        `export ANTHROPIC_AUTH_TOKEN=${key}`,
        ...(model === MODEL_PLACEHOLDER ? [] : [`export ANTHROPIC_MODEL=${shellQuote(model)}`]),
        "claude",
      ].join("\n"),
    },
  ];
}
