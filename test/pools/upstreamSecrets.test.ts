import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import { REDACTED } from "../../src-main/providers/scrubSecrets.js";
import type { Behaviour } from "../fixtures/fakeUpstream.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows } from "../ledger/ledgerQueries.js";
import { bearer, client } from "../manage/manageClient.js";
import { anthropicReply, keyRunsIn, openAiReply, type Reply } from "./secretLeaks.js";

/**
 * Upstreams that echo the credentials they were sent (issue 14, item 1), through the real
 * server: the official clients call Benchtop with a member key; Benchtop calls fake upstreams
 * that echo the connection's key and credential headers in every error shape — JSON bodies,
 * text bodies, SSE error events, response headers. No answer, header, stream, usage row, log
 * line, event, connection test result or health entry may carry a run of 8 of their characters.
 */
let t: TestServer;
let member: TestMember;
/** The core's clock: each case moves it on, so keys rested or cooled down serve again. */
let clock = Date.parse("2026-06-01T12:00:00Z");
const up: Record<"a" | "b" | "n1" | "n2", FakeUpstream> = {} as never;
const KEY_A = "sk-echo-AAAAaaaa1111BBBBbbbb2222CCCCcccc3333";
/** A's second key, disabled: never sent, but an upstream may know it from elsewhere. */
const KEY_A_OLD = "sk-echo-OLDDoldd9999XXXXxxxx8888YYYY";
const HEADER_A = "goog-EEEEeeee5555FFFFffff6666";
const KEY_B = "sk-echo-bbbbBBBB4444ccccCCCC5555dddd";
const KEY_N1 = "sk-ant-echo-N1N1n1n17777GGGGgggg8888";
const HEADER_N1 = "cfaig-HHHHhhhh9999IIIIiiii0000";
const KEY_N2 = "sk-ant-echo-N2N2n2n21212JJJJjjjj3434";
/** N1's second key, deleted: never sent, but still key material of the connection. */
const KEY_N1_OLD = "sk-ant-echo-OLDN1old5656KKKKkkkk7878";
const SECRETS = [KEY_A, KEY_A_OLD, HEADER_A, KEY_B, KEY_N1, HEADER_N1, KEY_N2, KEY_N1_OLD];
/** The other key of the first target's connection, which its upstream echoes as well. */
const OTHER_KEY: Record<string, string> = { a: KEY_A_OLD, n1: KEY_N1_OLD };
const connectionIds: Record<string, string> = {};
const events: BenchtopEvent[] = [];

beforeAll(async () => {
  t = await startTestServer({ now: () => clock });
  for (const [name, protocol] of [
    ["a", "openai"],
    ["b", "openai"],
    ["n1", "anthropic"],
    ["n2", "anthropic"],
  ] as const)
    up[name] = await startFakeUpstream({ protocol });
  const owner = client(t, t.auth);
  const connect = async (
    name: string,
    kind: string,
    baseUrl: string,
    keys: string[],
    headers: Record<string, string> = {},
  ) => {
    const c = await owner.post("/connections", { name, kind, base_url: baseUrl, headers });
    expect(c.status, c.text).toBe(201);
    connectionIds[name] = c.body.id;
    const ids: string[] = [];
    for (const key of keys)
      ids.push((await owner.post(`/connections/${c.body.id}/keys`, { label: "k", key })).body.id);
    return ids;
  };
  const [, oldA] = await connect("a", "openai_compatible", `${up.a.url}/v1`, [KEY_A, KEY_A_OLD], {
    "x-goog-api-key": HEADER_A,
  });
  await owner.patch(`/connection-keys/${oldA}`, { status: "disabled" });
  await connect("b", "openai_compatible", `${up.b.url}/v1`, [KEY_B]);
  const [, oldN1] = await connect("n1", "anthropic", up.n1.url, [KEY_N1, KEY_N1_OLD], {
    "cf-aig-authorization": `Bearer ${HEADER_N1}`,
  });
  await owner.del(`/connection-keys/${oldN1}`);
  await connect("n2", "anthropic", up.n2.url, [KEY_N2]);
  for (const [pool, first, second, model] of [
    ["gpt-echo", "a", "b", "gpt-4o-mini"],
    ["claude-echo", "n1", "n2", "claude-sonnet-4-5"],
  ] as const) {
    const r = await owner.put(`/pools/${pool}`, {
      strategy: "priority",
      max_attempts: 2,
      targets: [
        { connection_id: connectionIds[first], upstream_model: model, priority: 0 },
        { connection_id: connectionIds[second], upstream_model: model, priority: 1 },
      ],
    });
    expect(r.status, r.text).toBe(200);
  }
  member = t.addMember();
  t.core.events.on((e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
  for (const u of Object.values(up)) await u?.close();
});

/** Every reply any test got, scanned once more at the end. */
const replies: Reply[] = [];

/** Asserts `r` carries no key material, and keeps it for the final scan. */
function clean(r: Reply, what: string): Reply {
  replies.push(r);
  expect(keyRunsIn(r.text, SECRETS), what).toEqual([]);
  return r;
}

function reset() {
  for (const u of Object.values(up)) u.reset();
  clock += 10 * 60_000;
  // A key an echoing 401 disabled serves again (the admin would re-enable it).
  for (const id of Object.values(connectionIds))
    for (const k of t.core.store.connections.keys(id))
      if (k.statusReason?.includes("401"))
        t.core.store.connections.setKeyStatus(k.id, "active", null);
}

/** Which client calls which pool: each client against each protocol family's pool. */
const paths = [
  ["openai SDK", "OpenAI pool", "gpt-echo", "a", "b"],
  ["anthropic SDK", "Anthropic pool", "claude-echo", "n1", "n2"],
  ["openai SDK", "Anthropic pool", "claude-echo", "n1", "n2"],
  ["anthropic SDK", "OpenAI pool", "gpt-echo", "a", "b"],
] as const;

describe.each(paths)("%s → %s", (sdk, _family, pool, first, second) => {
  const ask = (stream: boolean) => {
    if (sdk === "openai SDK") return openAiReply(member.openai, pool, stream);
    const anthropic = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
    return anthropicReply(anthropic, pool, stream);
  };

  it("a 4xx passed through, streamed or not, in every shape, carries no key", async () => {
    const shapes: Behaviour[] = [
      { kind: "echo_key", shape: "json", status: 400 },
      { kind: "echo_key", shape: "text", status: 400 },
      { kind: "echo_key", shape: "header", status: 422 },
    ];
    for (const stream of [false, true])
      for (const shape of shapes) {
        reset();
        up[first].script(shape);
        const what = `${JSON.stringify(shape)} stream=${stream}`;
        const r = clean(await ask(stream), what);
        expect(r.status, what).toBe(shape.kind === "echo_key" ? (shape.status ?? 400) : 0);
        // Passed through, never retried elsewhere.
        expect(up[second].requests, what).toHaveLength(0);
      }
  });

  it("the upstream's message reaches the caller with the keys and credential headers redacted", async () => {
    reset();
    up[first].script({ kind: "echo_key", shape: "json", status: 400, extra: OTHER_KEY[first] });
    const r = clean(await ask(false), "json 400");
    if (sdk === "openai SDK" && pool === "gpt-echo")
      expect(r.error).toEqual({
        message:
          `Incorrect API key provided: ${REDACTED}. bad request for key Bearer ${REDACTED}; ` +
          `credentials: ${REDACTED}; ${REDACTED}`,
        type: "invalid_request_error",
        param: null,
        code: `invalid_key:${REDACTED}`,
      });
    const message = JSON.stringify(r.error);
    expect(message).toContain(`Incorrect API key provided: ${REDACTED}.`);
    expect(message).toContain(`bad request for key Bearer ${REDACTED}`);
    // The credential header (stored as "Bearer …", so the space goes too) and the connection's
    // other key (never sent; its upstream knew it from elsewhere) are gone as well.
    expect(message).toMatch(/; credentials: ?\[redacted\](, \[redacted\])?; \[redacted\]"/);
  });

  it("an SSE error event mid-stream ends the answer without the key", async () => {
    for (const stream of [false, true]) {
      reset();
      up[first].script({ kind: "echo_key", shape: "sse_error", afterChunks: 1 });
      const r = clean(await ask(stream), `sse_error stream=${stream}`);
      expect(r.text).toContain(REDACTED);
      expect(up[second].requests).toHaveLength(0);
    }
  });

  it("the 503 after failover names the last failure without the key", async () => {
    const cases: [Behaviour, Behaviour][] = [
      [
        { kind: "echo_key", shape: "json", status: 500, extra: OTHER_KEY[first] },
        { kind: "echo_key", shape: "json", status: 429 },
      ],
      [
        { kind: "echo_key", shape: "sse_error", afterChunks: 0 },
        { kind: "echo_key", shape: "text", status: 503 },
      ],
      [
        { kind: "echo_key", shape: "header", status: 502 },
        { kind: "echo_key", shape: "sse_error", afterChunks: 0 },
      ],
      [
        { kind: "echo_key", shape: "json", status: 401 },
        { kind: "echo_key", shape: "json", status: 500 },
      ],
    ];
    for (const stream of [false, true])
      for (const [one, two] of cases) {
        reset();
        up[first].script(one);
        up[second].script(two);
        const what = `${one.kind}/${two.kind} stream=${stream}`;
        const r = clean(await ask(stream), what);
        expect(r.status, what).toBe(503);
        expect([up[first].requests.length, up[second].requests.length], what).toEqual([1, 1]);
        // The last upstream's own message, scrubbed (a text body or a bland one has none).
        if (two.kind === "echo_key" && (two.shape === "json" || two.shape === "sse_error"))
          expect(r.text, what).toContain(REDACTED);
      }
  });
});

describe("count_tokens on an Anthropic pool", () => {
  it("passes the upstream's refusal on without the key", async () => {
    reset();
    up.n1.script({ kind: "echo_key", shape: "json", status: 400, extra: KEY_N1_OLD });
    const anthropic = new Anthropic({ baseURL: t.url, apiKey: member.key, maxRetries: 0 });
    const err = await anthropic.messages
      .countTokens({ model: "claude-echo", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    const r = clean(
      { status: e.status ?? 0, text: `${e.message}\n${JSON.stringify(e.error)}` },
      "count_tokens",
    );
    expect(r.status).toBe(400);
    expect(up.n1.requests.map((q) => q.path)).toEqual(["/v1/messages/count_tokens"]);
    expect(r.text).toContain(`Incorrect API key provided: ${REDACTED}`);
  });
});

describe("connection tests", () => {
  it("answer the upstream's status and message without the keys or credential headers", async () => {
    const owner = client(t, t.auth);
    for (const [name, status] of [
      ["a", 401],
      ["n1", 403],
      ["a", 500],
    ] as const) {
      reset();
      up[name].script({ kind: "echo_key", shape: "json", status, extra: OTHER_KEY[name] });
      const r = await owner.post(`/connections/${connectionIds[name]}/test`, undefined);
      replies.push({ status: r.status, text: r.text });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: false, models: [], error: { status } });
      expect(keyRunsIn(r.text, SECRETS)).toEqual([]);
      expect(r.body.error.message).toContain(`Incorrect API key provided: ${REDACTED}`);
    }
    reset();
    up.a.script({ kind: "echo_key", shape: "text", status: 400 });
    const text = await owner.post(`/connections/${connectionIds.a}/test`, undefined);
    expect(text.body.error).toEqual({ status: 400, message: "The upstream answered 400." });
  });
});

describe("after every echo", () => {
  it("no usage row, log line, event, health entry or management answer carries key material", async () => {
    const owner = client(t, t.auth);
    const staff = client(t, bearer(t.addMember({ role: "viewer" }).key));
    const answers = [
      await owner.get("/pools"),
      await staff.get("/connections"),
      await owner.get("/audit?limit=500"),
      await owner.get("/usage/requests?limit=500"),
      ...Object.values(connectionIds).map((id) => owner.get(`/connections/${id}/health`)),
    ];
    const texts = await Promise.all(answers.map(async (a) => (await a).text));
    const rows = usageRows(t.core, "member_id = ?", member.id);
    const places: [string, string][] = [
      ["usage rows", JSON.stringify(rows)],
      ["log lines", JSON.stringify(t.logs)],
      ["events", JSON.stringify(events)],
      ["pool health", JSON.stringify(t.core.pools.health())],
      ["management answers", texts.join("\n")],
      ["answers to members", replies.map((r) => r.text).join("\n")],
    ];
    for (const [where, text] of places) expect(keyRunsIn(text, SECRETS), where).toEqual([]);
    // Not vacuous: the echoes were there, and their codes reached the rows scrubbed.
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.some((r) => r.error_code === `invalid_key:${REDACTED}`)).toBe(true);
    expect(JSON.stringify(t.logs)).toContain("upstream attempt failed");
  });
});
