import { seededRandom } from "../helpers/random.js";

/**
 * Canary secrets of every kind issue 16 lists, in the formats the real providers issue, drawn
 * from a seeded PRNG (so they are stable, and no real credential). `value` is what must never
 * reach an upstream; `text` is how a member would paste it (an assignment, a config line).
 */
export interface Canary {
  kind: string;
  text: string;
  value: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64 = ALNUM + "+/";
const URLSAFE = ALNUM + "-_";

export function canaries(seed = 16): Canary[] {
  const rnd = seededRandom(seed);
  const draw = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
  const openai = `sk-proj-${draw(URLSAFE, 74)}T3BlbkFJ${draw(URLSAFE, 74)}`;
  const anthropic = `sk-ant-api03-${draw(URLSAFE, 93)}AA`;
  const groq = `gsk_${draw(ALNUM, 52)}`;
  const openrouter = `sk-or-v1-${draw("0123456789abcdef", 64)}`;
  const hf = `hf_${draw("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34)}`;
  const awsId = `AKIA${draw(UPPER, 16)}`;
  const awsSecret = draw(B64, 40);
  const github = `ghp_${draw(ALNUM, 36)}`;
  const gitlab = `glpat-${draw(URLSAFE, 20)}`;
  const slack = `xoxb-${draw("0123456789", 12)}-${draw("0123456789", 13)}-${draw(ALNUM, 24)}`;
  const stripe = `sk_live_${draw(ALNUM, 99)}`;
  const pemBody = Array.from({ length: 6 }, () => draw(B64, 64)).join("\n");
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----`;
  const jwt = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIx${draw(URLSAFE, 40)}.${draw(URLSAFE, 43)}`;
  const dbPassword = draw(ALNUM, 20);
  const azure = `${draw(B64, 86)}==`;
  // A service-account JSON file as pasted: the PEM's newlines are the two characters `\n`.
  const gcpLines = Array.from({ length: 4 }, () => draw(B64, 64));
  const gcp = [
    "{",
    '  "type": "service_account",',
    '  "project_id": "lab-project",',
    `  "private_key_id": "${draw("0123456789abcdef", 40)}",`,
    `  "private_key": "-----BEGIN PRIVATE KEY-----\\n${gcpLines.join("\\n")}\\n-----END PRIVATE KEY-----\\n",`,
    '  "client_email": "svc@lab-project.iam.gserviceaccount.com"',
    "}",
  ].join("\n");
  return [
    { kind: "openai", text: `OPENAI_API_KEY=${openai}`, value: openai },
    { kind: "anthropic", text: `export ANTHROPIC_API_KEY="${anthropic}"`, value: anthropic },
    { kind: "groq", text: `groq key: ${groq}`, value: groq },
    { kind: "openrouter", text: `OPENROUTER_API_KEY=${openrouter}`, value: openrouter },
    { kind: "huggingface", text: `HF_TOKEN=${hf}`, value: hf },
    { kind: "aws-id", text: `aws_access_key_id = ${awsId}`, value: awsId },
    { kind: "aws-secret", text: `aws_secret_access_key = ${awsSecret}`, value: awsSecret },
    { kind: "github", text: `token: ${github}`, value: github },
    { kind: "gitlab", text: `CI_TOKEN=${gitlab}`, value: gitlab },
    { kind: "slack", text: `SLACK_BOT_TOKEN=${slack}`, value: slack },
    { kind: "stripe", text: `stripe.api_key = "${stripe}"`, value: stripe },
    { kind: "private-key", text: pem, value: pemBody.split("\n")[2]! },
    { kind: "jwt", text: `Authorization: Bearer ${jwt}`, value: jwt },
    {
      kind: "database-url",
      text: `DATABASE_URL=postgres://app:${dbPassword}@db.internal:5432/prod`,
      value: dbPassword,
    },
    { kind: "gcp-service-account", text: gcp, value: gcpLines[1]! },
    {
      kind: "azure",
      text: `DefaultEndpointsProtocol=https;AccountName=labdata;AccountKey=${azure};EndpointSuffix=core.windows.net`,
      value: azure,
    },
  ];
}

/** The canaries whose value appears in `bytes`. */
export function leaked(bytes: string | Buffer, list: Canary[]): string[] {
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  // JSON escapes newlines and slashes may be escaped: check the raw and the JSON-escaped value.
  return list
    .filter((c) => text.includes(c.value) || text.includes(JSON.stringify(c.value).slice(1, -1)))
    .map((c) => c.kind);
}
