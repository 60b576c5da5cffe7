// Converts gitleaks' rule set (config/gitleaks.toml, MIT) into resources/guard/secret-rules.json,
// the secret rules the guard step's detectors read (src-main/guard/detect/). The JSON is what
// ships; this script regenerates it when gitleaks' rules move on:
//
//   git clone https://github.com/gitleaks/gitleaks /tmp/gitleaks
//   npm run guard:rules -- /tmp/gitleaks/config/gitleaks.toml [--commit <sha>] [--out <json>]
//
// --commit defaults to `git rev-parse HEAD` in the file's folder ("unknown" if that fails).
// Each rule keeps gitleaks' id, regex (Go RE2 converted to JS by ./gitleaks/re2ToJs.ts),
// keywords (the prefilter), secretGroup, entropy threshold and allowlists, plus a `type`
// category for usage counts. What cannot apply to a prompt (rules and allowlists bound to file
// paths, commit allowlists) or cannot be converted is left out and listed in `dropped`.
// Benchtop's own additions live apart, in resources/guard/secret-rules.benchtop.json.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { re2ToJs } from "./gitleaks/re2ToJs.js";
import { parseToml, type TomlTable } from "./gitleaks/toml.js";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    commit: { type: "string" },
    out: { type: "string", default: "resources/guard/secret-rules.json" },
  },
});
const tomlPath = positionals[0];
if (!tomlPath) {
  console.error(
    "usage: npm run guard:rules -- <path/to/gitleaks.toml> [--commit <sha>] [--out <json>]",
  );
  process.exit(2);
}

/** gitleaks' copyright line (its LICENSE), used when no LICENSE sits next to the checkout. */
const GITLEAKS_COPYRIGHT = "Copyright (c) 2019 Zachary Rice";

/**
 * Category of a rule for usage counts: the provider families the issue names, `generic` for
 * gitleaks' catch-all assignments, else the vendor (the id's first word, or a known two-word one).
 */
function ruleType(id: string): string {
  const table: [RegExp, string][] = [
    [/^aws-/, "aws"],
    [/^gcp-/, "gcp"],
    [/^azure-/, "azure"],
    [/^openai-/, "openai"],
    [/^anthropic-/, "anthropic"],
    [/^huggingface-/, "huggingface"],
    [/^github-/, "github"],
    [/^gitlab-/, "gitlab"],
    [/^slack-/, "slack"],
    [/^stripe-/, "stripe"],
    [/^private-key$/, "private-key"],
    [/^jwt/, "jwt"],
    [/^generic-/, "generic"],
    [/^curl-auth-/, "generic"],
    [/^new-relic-/, "new-relic"],
    [/^cisco-meraki-/, "cisco-meraki"],
    [/^defined-networking-/, "defined-networking"],
    [/^microsoft-teams-/, "microsoft-teams"],
    [/^hashicorp-/, "hashicorp"],
    [/^octopus-deploy-/, "octopus-deploy"],
    [/^clickhouse-cloud-/, "clickhouse"],
    [/^cloudflare-/, "cloudflare"],
  ];
  for (const [re, type] of table) if (re.test(id)) return type;
  return id.split("-")[0]!;
}

/**
 * Per-rule corrections, each with its reason. jwt-base64's only groups are named alternatives
 * (which JWT header field was seen); gitleaks then takes the first non-empty group as the
 * secret, i.e. a 10-character marker. Redacting that would leave the token readable, so the
 * whole match is the secret here.
 */
const OVERRIDES: Record<string, { secretGroup: number; why: string }> = {
  "jwt-base64": { secretGroup: 0, why: "the groups mark which header field matched" },
};

interface JsRegex {
  source: string;
  flags: string;
}
interface OutAllowlist {
  target: "secret" | "match" | "line";
  condition?: "AND";
  regexes?: JsRegex[];
  stopwords?: string[];
}

const dropped: { id: string; reason: string }[] = [];
const conv = (id: string, pattern: string, what: string): JsRegex | undefined => {
  const r = re2ToJs(pattern);
  if ("error" in r) {
    dropped.push({ id, reason: `${what} ${JSON.stringify(pattern)}: ${r.error}` });
    return undefined;
  }
  return r;
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

function allowlist(id: string, a: TomlTable, n: number): OutAllowlist | undefined {
  const hasPaths = strings(a.paths).length > 0 || strings(a.commits).length > 0;
  const regexes = strings(a.regexes);
  const stopwords = strings(a.stopwords);
  if (a.condition === "AND" && hasPaths) {
    dropped.push({
      id: `${id}#allowlist${n}`,
      reason: "AND with paths/commits: never applies to a prompt",
    });
    return undefined;
  }
  if (regexes.length === 0 && stopwords.length === 0) {
    if (hasPaths)
      dropped.push({
        id: `${id}#allowlist${n}`,
        reason: "paths/commits only: prompts have neither",
      });
    return undefined;
  }
  const out: OutAllowlist = { target: (a.regexTarget as OutAllowlist["target"]) ?? "secret" };
  if (a.condition === "AND") out.condition = "AND";
  if (regexes.length) {
    const conv2 = regexes.map((r) => conv(`${id}#allowlist${n}`, r, "allowlist regex"));
    out.regexes = conv2.filter((r): r is JsRegex => r !== undefined);
  }
  if (stopwords.length) out.stopwords = stopwords.map((s) => s.toLowerCase());
  return out;
}

const text = fs.readFileSync(tomlPath, "utf8");
const config = parseToml(text);
const dir = path.dirname(path.resolve(tomlPath));
let commit = flags.commit;
if (!commit) {
  try {
    commit = execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    commit = "unknown";
  }
}
let copyright = GITLEAKS_COPYRIGHT;
for (const candidate of [path.join(dir, "..", "LICENSE"), path.join(dir, "LICENSE")]) {
  if (fs.existsSync(candidate)) {
    const line = fs
      .readFileSync(candidate, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Copyright"));
    if (line) copyright = line.trim();
    break;
  }
}

const global = (config.allowlist ?? {}) as TomlTable;
const rules = [];
for (const r of (config.rules ?? []) as TomlTable[]) {
  const id = String(r.id);
  if (r.path !== undefined) {
    dropped.push({
      id,
      reason:
        r.regex === undefined
          ? "path-only rule (file names): prompts have no path"
          : `limited to files matching ${JSON.stringify(r.path)}: prompts have no path`,
    });
    continue;
  }
  if (r.regex === undefined) {
    dropped.push({ id, reason: "no regex" });
    continue;
  }
  const regex = conv(id, String(r.regex), "regex");
  if (!regex) continue;
  const allowlists = ((r.allowlists ?? []) as TomlTable[])
    .map((a, n) => allowlist(id, a, n))
    .filter((a): a is OutAllowlist => a !== undefined);
  const override = OVERRIDES[id];
  rules.push({
    id,
    type: ruleType(id),
    description: String(r.description ?? ""),
    regex,
    keywords: strings(r.keywords).map((k) => k.toLowerCase()),
    ...(override
      ? { secretGroup: override.secretGroup, note: override.why }
      : r.secretGroup !== undefined
        ? { secretGroup: Number(r.secretGroup) }
        : {}),
    ...(r.entropy !== undefined ? { entropy: Number(r.entropy) } : {}),
    ...(allowlists.length ? { allowlists } : {}),
  });
}

const globalRegexes = strings(global.regexes)
  .map((re) => conv("(global allowlist)", re, "allowlist regex"))
  .filter((r): r is JsRegex => r !== undefined);
if (strings(global.paths).length)
  dropped.push({ id: "(global allowlist)", reason: "paths: prompts have no path" });

const out = {
  $comment:
    "Generated by scripts/convertGitleaksRules.ts from gitleaks' rule set; do not edit by hand (Benchtop's own rules: secret-rules.benchtop.json).",
  source: {
    name: "gitleaks",
    repo: "https://github.com/gitleaks/gitleaks",
    commit,
    file: "config/gitleaks.toml",
    license: "MIT",
    copyright,
    minVersion: config.minVersion ?? null,
  },
  allowlist: {
    target: "secret",
    regexes: globalRegexes,
    stopwords: strings(global.stopwords).map((s) => s.toLowerCase()),
  },
  rules,
  dropped,
};
fs.mkdirSync(path.dirname(flags.out!), { recursive: true });
fs.writeFileSync(flags.out!, JSON.stringify(out, null, 2) + "\n");
console.log(
  `${rules.length} rules written to ${flags.out} (gitleaks ${commit}); ${dropped.length} dropped:`,
);
for (const d of dropped) console.log(`  ${d.id}: ${d.reason}`);
