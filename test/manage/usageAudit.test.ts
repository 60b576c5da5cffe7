import { createHash } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageAuditRecordDto } from "../../src-main/contract/index.js";
import type { GuardRecord } from "../../src-main/guard/types.js";
import { AUDIT_CSV_COLUMNS } from "../../src-main/server/manage/usageAudit.js";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { auditRows, bearer, call, client, notFoundBody } from "./manageClient.js";

/**
 * The per-request audit record and optional body retention (issue 16, parts 3 and 4) through
 * the real server: a local model (its GGUF's real SHA-256), pools on fake upstreams (their own
 * model strings, the serving connection's region and retention, also after a failover), the
 * JSONL/CSV export of a seeded period, and bodies kept sealed, shown to the right people only
 * and swept at expiry (on the core's fake clock).
 */
/** The guard record of a request in which the guard found nothing (the org's default policy). */
const nothingFound = (secretsAction: "local" | "none") =>
  JSON.stringify({
    secrets: {},
    secrets_action: secretsAction,
    pii: {},
    pii_mode: "flag",
    pii_scope: "org",
    pii_action: "none",
    restored: 0,
  });

let t: TestServer;
let up: FakeUpstream;
let claude: FakeUpstream;
let alice: TestMember;
let bob: TestMember;
let admin: TestMember;
let viewer: TestMember;
let clock = Date.parse("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const KEY_A = "sk-audit-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111";
const KEY_B = "sk-audit-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222";
const con: Record<"a" | "b" | "c" | "d", string> = { a: "", b: "", c: "", d: "" };

beforeAll(async () => {
  t = await startTestServer({ now: () => clock });
  up = await startFakeUpstream({ protocol: "openai" });
  claude = await startFakeUpstream({ protocol: "anthropic" });
  const { connections, pools } = t.core.store;
  const add = (
    name: string,
    key: string,
    region: string | null,
    retention: string | null,
    anthropic = false,
  ) => {
    const c = connections.create({
      name,
      kind: anthropic ? "anthropic" : "openai_compatible",
      baseUrl: anthropic ? claude.url : `${up.url}/v1`,
      headers: {},
      region,
      retention,
    });
    connections.addKey({
      connectionId: c.id,
      label: "main",
      secret: t.core.cipher.encrypt(key),
      last4: key.slice(-4),
    });
    return c.id;
  };
  con.a = add("Upstream A", KEY_A, "us-east-1", "30 days");
  con.b = add("Upstream B", KEY_B, "eu-west-1", "zero data retention");
  con.c = add("Upstream C", KEY_A, "ap-south-1", "7 days");
  con.d = add("Upstream D", KEY_B, null, null);
  const anthropic = add("Claude", KEY_A, "eu-central-1", "none", true);
  const target = (id: string, model: string, priority: number) => ({
    connectionId: id,
    upstreamModel: model,
    priority,
    weight: 1,
  });
  pools.put({
    id: "audit-pool",
    strategy: "priority",
    maxAttempts: 1,
    targets: [target(con.a, "gpt-4o-mini", 0)],
  });
  pools.put({
    id: "failover-pool",
    strategy: "priority",
    maxAttempts: 2,
    targets: [target(con.c, "gpt-4o-mini", 0), target(con.d, "gpt-4o", 1)],
  });
  pools.put({
    id: "claude-pool",
    strategy: "priority",
    maxAttempts: 1,
    targets: [target(anthropic, "claude-sonnet-4-5", 0)],
  });
  alice = t.addMember({ name: "Alice" });
  bob = t.addMember({ name: "Bob" });
  admin = t.addMember({ name: "Ada", role: "admin" });
  viewer = t.addMember({ name: "Val", role: "viewer" });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
  await claude?.close();
});

const row = (where: string, ...params: unknown[]) =>
  t.core.db
    .prepare(
      `SELECT id, attempt, state, provider, served_model, model_version, provider_region,
         provider_retention, guard_json FROM usage WHERE ${where} ORDER BY attempt`,
    )
    .all(...params) as Record<string, unknown>[];

async function chat(m: TestMember, model: string, content = "hello") {
  const res = await m.openai.chat.completions
    .create({ model, messages: [{ role: "user", content }], max_tokens: 4, temperature: 0 })
    .withResponse();
  return { requestId: res.response.headers.get("x-request-id")!, data: res.data };
}

describe("the audit record of a request", () => {
  it("a local model: the GGUF file's name and real SHA-256, no region or retention", async () => {
    await t.core.modelHashes.idle();
    const sha = createHash("sha256").update(fs.readFileSync(generatedModel())).digest("hex");
    const { requestId } = await chat(alice, "tiny");
    expect(row("request_id = ?", requestId)).toEqual([
      {
        id: `${requestId}:1`,
        attempt: 1,
        state: "settled",
        provider: "local",
        served_model: "tiny",
        model_version: `tiny.gguf sha256:${sha}`,
        provider_region: null,
        provider_retention: null,
        // The guard ran: nothing found (a local target is not scanned).
        guard_json: nothingFound("local"),
      },
    ]);
    // Kept on the models row for the file it was computed for: a restart does not hash again.
    const stored = t.core.db
      .prepare("SELECT sha256, sha256_of, size_bytes, mtime_ms, path FROM models WHERE id = 'tiny'")
      .get() as Record<string, string | number>;
    expect(stored.sha256).toBe(sha);
    expect(stored.sha256_of).toBe(`${stored.size_bytes}:${stored.mtime_ms}:${stored.path}`);
  });

  it("a pool: the upstream's own model string and the serving connection's region and retention", async () => {
    up.script({ kind: "ok", servedModel: "gpt-4o-mini-2024-07-18" });
    const { requestId } = await chat(alice, "audit-pool");
    expect(row("request_id = ?", requestId)).toEqual([
      {
        id: `${requestId}:1`,
        attempt: 1,
        state: "settled",
        provider: con.a,
        served_model: "gpt-4o-mini",
        model_version: "gpt-4o-mini-2024-07-18",
        provider_region: "us-east-1",
        provider_retention: "30 days",
        guard_json: nothingFound("none"),
      },
    ]);
  });

  it("an Anthropic pool: message.model of the answer", async () => {
    claude.script({ kind: "ok", servedModel: "claude-sonnet-4-5-20250929" });
    const { requestId } = await chat(alice, "claude-pool");
    expect(row("request_id = ?", requestId)[0]).toMatchObject({
      state: "settled",
      served_model: "claude-sonnet-4-5",
      model_version: "claude-sonnet-4-5-20250929",
      provider_region: "eu-central-1",
      provider_retention: "none",
    });
  });

  it("the upstream's string is untrusted: control characters stripped, keys scrubbed, capped", async () => {
    up.script({ kind: "ok", servedModel: `evil\u001b[31m\u202e-${KEY_A}` });
    const first = await chat(alice, "audit-pool");
    expect(row("request_id = ?", first.requestId)[0]!.model_version).toBe("evil[31m-[redacted]");
    up.script({ kind: "ok", servedModel: "m".repeat(500) });
    const long = await chat(alice, "audit-pool");
    const version = row("request_id = ?", long.requestId)[0]!.model_version as string;
    // 128 characters scrubbed, the last 7 dropped (a key the cut split), then an ellipsis.
    expect(version).toBe(`${"m".repeat(121)}…`);
  });

  it("after a failover: each attempt keeps the region and retention of the connection it reached", async () => {
    up.script(
      { kind: "error", status: 429, retryAfter: "60" },
      { kind: "ok", servedModel: "gpt-4o-2024-08-06" },
    );
    const { requestId } = await chat(bob, "failover-pool");
    expect(row("request_id = ?", requestId)).toEqual([
      {
        id: `${requestId}:1`,
        attempt: 1,
        state: "released",
        provider: con.c,
        served_model: "gpt-4o-mini",
        model_version: null,
        provider_region: "ap-south-1",
        provider_retention: "7 days",
        guard_json: nothingFound("none"),
      },
      {
        id: `${requestId}:2`,
        attempt: 2,
        state: "settled",
        provider: con.d,
        served_model: "gpt-4o",
        model_version: "gpt-4o-2024-08-06",
        provider_region: null,
        provider_retention: null,
        guard_json: nothingFound("none"),
      },
    ]);
  });
});

// ── export ─────────────────────────────────────────────────────────────────────────────

/** 2025-01-10T00:00:00Z: the seeded period, far from the requests above. */
const P0 = Date.parse("2025-01-10T00:00:00Z");
const GUARD: GuardRecord = {
  secrets: { openai: 1, aws: 2 },
  secrets_action: "redacted",
  pii: { email: 3 },
  pii_mode: "redact",
  pii_scope: "member",
  pii_action: "redacted",
  restored: 0,
};
const KEPT_LOCAL: GuardRecord = {
  secrets: {},
  secrets_action: "local",
  pii: { card: 1 },
  pii_mode: "keep-local",
  pii_scope: "org",
  pii_action: "kept_local",
  kept_local: { from: ["audit-pool"], to: "tiny" },
  restored: 0,
};

function seedRow(r: {
  id: string;
  member: TestMember;
  at: number;
  model: string;
  provider: string | null;
  state: "settled" | "released";
  served?: string;
  version?: string;
  region?: string;
  retention?: string;
  guard?: GuardRecord;
  fallback?: string[];
  tokens?: [number, number];
  cost?: number;
  error?: [string, number];
  cacheWrite?: number;
  session?: string;
}) {
  const [requestId, attempt] = r.id.split(":");
  t.core.db
    .prepare(
      `INSERT INTO usage (id, request_id, attempt, member_id, key_id, endpoint, requested_model,
         served_model, provider, billing_mode, stream, state, created_ms, day, month,
         reserved_tokens, reserved_micros, prompt_tokens, completion_tokens, cached_tokens,
         cost_micros, usage_source, estimated, outcome, error_code, http_status, settled_ms,
         fallback_json, guard_json, model_version, provider_region, provider_retention,
         route_category, route_classifier, cache_write_tokens, session_id)
       VALUES (@id, @requestId, @attempt, @memberId, @keyId, 'chat.completions', @model,
         @served, @provider, 'org', 0, @state, @at, '2025-01-10', '2025-01', 100, 50, @pt, @ct, 0,
         @cost, 'provider', 0, @outcome, @code, @status, @at, @fallback, @guard, @version,
         @region, @retention, @category, @classifier, @cacheWrite, @session)`,
    )
    .run({
      id: r.id,
      requestId,
      attempt: Number(attempt),
      memberId: r.member.id,
      keyId: r.member.keyId,
      model: r.model,
      served: r.served ?? null,
      provider: r.provider,
      state: r.state,
      at: r.at,
      pt: r.tokens?.[0] ?? null,
      ct: r.tokens?.[1] ?? null,
      cost: r.cost ?? 0,
      outcome: r.error ? "error" : "ok",
      code: r.error?.[0] ?? null,
      status: r.error?.[1] ?? null,
      fallback: r.fallback ? JSON.stringify(r.fallback) : null,
      guard: r.guard ? JSON.stringify(r.guard) : null,
      version: r.version ?? null,
      region: r.region ?? null,
      retention: r.retention ?? null,
      category: r.model === "auto" ? "code" : null,
      classifier: r.model === "auto" ? "knn" : null,
      cacheWrite: r.cacheWrite ?? null,
      session: r.session ?? null,
    });
}

/** The records the seeded period must export, oldest first (built by hand, not read back). */
const prefix = (m: TestMember) =>
  (t.core.db.prepare("SELECT prefix FROM api_keys WHERE id = ?").get(m.keyId) as { prefix: string })
    .prefix;

function expected(): UsageAuditRecordDto[] {
  const base = (m: TestMember, name: string) => ({
    member_id: m.id,
    member_name: name,
    key_id: m.keyId,
    key_name: "test",
    key_prefix: prefix(m),
    endpoint: "chat.completions",
    cached_tokens: 0,
    cache_write_tokens: null,
    session_id: null,
    estimated: false,
    billing_mode: "org" as const,
    body_retained: false,
  });
  return [
    {
      id: "req_e1:1",
      request_id: "req_e1",
      attempt: 1,
      created_ms: P0 + 1000,
      created_at: "2025-01-10T00:00:01.000Z",
      ...base(alice, "Alice"),
      requested_model: "tiny",
      route_category: null,
      route_classifier: null,
      fallback: null,
      provider: "local",
      provider_name: "local",
      region: null,
      retention: null,
      served_model: "tiny",
      model_version: "tiny.gguf sha256:abc123",
      guard: null,
      state: "settled",
      outcome: "ok",
      http_status: null,
      error_code: null,
      prompt_tokens: 10,
      completion_tokens: 5,
      cost_micros: 0,
    },
    {
      id: "req_e2:1",
      request_id: "req_e2",
      attempt: 1,
      created_ms: P0 + 2000,
      created_at: "2025-01-10T00:00:02.000Z",
      ...base(bob, "Bob"),
      requested_model: "auto",
      route_category: "code",
      route_classifier: "knn",
      fallback: null,
      provider: con.c,
      provider_name: "Upstream C",
      region: "ap-south-1",
      retention: "7 days",
      served_model: "gpt-4o-mini",
      model_version: null,
      guard: GUARD,
      state: "released",
      outcome: "error",
      http_status: 429,
      error_code: "rate_limited",
      prompt_tokens: null,
      completion_tokens: null,
      cost_micros: 0,
    },
    {
      id: "req_e2:2",
      request_id: "req_e2",
      attempt: 2,
      created_ms: P0 + 2000,
      created_at: "2025-01-10T00:00:02.000Z",
      ...base(bob, "Bob"),
      requested_model: "auto",
      route_category: "code",
      route_classifier: "knn",
      fallback: ["gpt-4o-mini: rate_limited"],
      provider: con.b,
      provider_name: "Upstream B",
      region: "eu-west-1",
      retention: "zero data retention",
      served_model: "gpt-4o",
      model_version: "=cmd|' /C calc'!A0",
      guard: GUARD,
      state: "settled",
      outcome: "ok",
      http_status: null,
      error_code: null,
      prompt_tokens: 7,
      completion_tokens: 3,
      cache_write_tokens: 2,
      session_id: "sess-7",
      cost_micros: 9,
    },
    {
      id: "req_e3:1",
      request_id: "req_e3",
      attempt: 1,
      created_ms: P0 + 3000,
      created_at: "2025-01-10T00:00:03.000Z",
      ...base(alice, "Alice"),
      requested_model: "audit-pool",
      route_category: null,
      route_classifier: null,
      fallback: null,
      provider: "local",
      provider_name: "local",
      region: null,
      retention: null,
      served_model: "tiny",
      model_version: "tiny.gguf sha256:pending",
      guard: KEPT_LOCAL,
      state: "settled",
      outcome: "ok",
      http_status: null,
      error_code: null,
      prompt_tokens: 4,
      completion_tokens: 2,
      cost_micros: 0,
    },
  ];
}

const exportOf = (auth: { authorization: string }, query: string) =>
  call(t, auth, "GET", `/usage/audit?${query}`);

describe("GET /usage/audit", () => {
  beforeAll(() => {
    seedRow({
      id: "req_e1:1",
      member: alice,
      at: P0 + 1000,
      model: "tiny",
      provider: "local",
      state: "settled",
      served: "tiny",
      version: "tiny.gguf sha256:abc123",
      tokens: [10, 5],
    });
    seedRow({
      id: "req_e2:1",
      member: bob,
      at: P0 + 2000,
      model: "auto",
      provider: con.c,
      state: "released",
      served: "gpt-4o-mini",
      region: "ap-south-1",
      retention: "7 days",
      guard: GUARD,
      error: ["rate_limited", 429],
    });
    seedRow({
      id: "req_e2:2",
      member: bob,
      at: P0 + 2000,
      model: "auto",
      provider: con.b,
      state: "settled",
      served: "gpt-4o",
      // A spreadsheet formula from an upstream: the CSV cell must neutralise it.
      version: "=cmd|' /C calc'!A0",
      region: "eu-west-1",
      retention: "zero data retention",
      guard: GUARD,
      fallback: ["gpt-4o-mini: rate_limited"],
      tokens: [7, 3],
      cost: 9,
      cacheWrite: 2,
      session: "sess-7",
    });
    seedRow({
      id: "req_e3:1",
      member: alice,
      at: P0 + 3000,
      model: "audit-pool",
      provider: "local",
      state: "settled",
      served: "tiny",
      version: "tiny.gguf sha256:pending",
      guard: KEPT_LOCAL,
      tokens: [4, 2],
    });
  });

  it("JSON Lines: one record per usage row (every attempt), oldest first, exact", async () => {
    const res = await exportOf(t.auth, "from=2025-01-10&to=2025-01-11T00:00:00Z");
    expect(res.status).toBe(200);
    const lines = res.text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(expected());
    const raw = await fetch(`${t.url}/manage/v1/usage/audit?from=${P0}&to=${P0 + DAY}`, {
      headers: t.auth,
    });
    expect(raw.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(raw.headers.get("content-disposition")).toBe(
      `attachment; filename="benchtop-audit-2026-06-01T120000Z.jsonl"`,
    );
    // The same period by epoch milliseconds gives the same bytes.
    expect(await raw.text()).toBe(res.text);
  });

  it("CSV: the same records, guard counts compact, formula cells neutralised, exact", async () => {
    const res = await exportOf(t.auth, `from=${P0}&to=${P0 + DAY}&format=csv`);
    expect(res.status).toBe(200);
    const pre = prefix;
    const guardActions =
      "secrets_action=redacted;pii_mode=redact;pii_scope=member;pii_action=redacted;restored=0";
    expect(res.text).toBe(
      [
        AUDIT_CSV_COLUMNS.join(","),
        `req_e1:1,req_e1,1,${P0 + 1000},2025-01-10T00:00:01.000Z,${alice.id},Alice,${alice.keyId},test,${pre(alice)},chat.completions,tiny,,,,local,local,,,tiny,tiny.gguf sha256:abc123,,,settled,ok,,,10,5,0,,,0,false,org,false`,
        `req_e2:1,req_e2,1,${P0 + 2000},2025-01-10T00:00:02.000Z,${bob.id},Bob,${bob.keyId},test,${pre(bob)},chat.completions,auto,code,knn,,${con.c},Upstream C,ap-south-1,7 days,gpt-4o-mini,,"secrets=aws:2,openai:1;pii=email:3",${guardActions},released,error,429,rate_limited,,,0,,,0,false,org,false`,
        `req_e2:2,req_e2,2,${P0 + 2000},2025-01-10T00:00:02.000Z,${bob.id},Bob,${bob.keyId},test,${pre(bob)},chat.completions,auto,code,knn,gpt-4o-mini: rate_limited,${con.b},Upstream B,eu-west-1,zero data retention,gpt-4o,'=cmd|' /C calc'!A0,"secrets=aws:2,openai:1;pii=email:3",${guardActions},settled,ok,,,7,3,0,2,sess-7,9,false,org,false`,
        `req_e3:1,req_e3,1,${P0 + 3000},2025-01-10T00:00:03.000Z,${alice.id},Alice,${alice.keyId},test,${pre(alice)},chat.completions,audit-pool,,,,local,local,,,tiny,tiny.gguf sha256:pending,pii=card:1,secrets_action=local;pii_mode=keep-local;pii_scope=org;pii_action=kept_local;restored=0;kept_local=audit-pool>tiny,settled,ok,,,4,2,0,,,0,false,org,false`,
        "",
      ].join("\r\n"),
    );
  });

  it("the period is [from, to): rows on `to` are left out", async () => {
    const res = await exportOf(t.auth, `from=${P0 + 2000}&to=${P0 + 3000}`);
    const ids = res.text
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(["req_e2:1", "req_e2:2"]);
    const bad = await exportOf(t.auth, `from=${P0 + 3000}&to=${P0 + 3000}`);
    expect([bad.status, bad.body.error.param]).toEqual([400, "to"]);
    const garbage = await exportOf(t.auth, "from=yesterday");
    expect([garbage.status, garbage.body.error.param]).toEqual([400, "from"]);
  });

  it("a member exports only their own rows; another member's id is a 404; staff filter by member", async () => {
    const mine = await exportOf(bearer(alice.key), `from=${P0}&to=${P0 + DAY}`);
    expect(
      mine.text
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(["req_e1:1", "req_e3:1"]);
    const theirs = await exportOf(bearer(alice.key), `from=${P0}&member_id=${bob.id}`);
    expect([theirs.status, theirs.body]).toEqual([404, notFoundBody("member")]);
    const staff = await exportOf(
      bearer(viewer.key),
      `from=${P0}&to=${P0 + DAY}&member_id=${bob.id}`,
    );
    expect(
      staff.text
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(["req_e2:1", "req_e2:2"]);
  });
});

// ── body retention ─────────────────────────────────────────────────────────────────────

const bodyCount = () =>
  (t.core.db.prepare("SELECT count(*) AS n FROM request_bodies").get() as { n: number }).n;

describe("body retention", () => {
  it("is off by default: nothing is stored, and the body route is a 404", async () => {
    const owner = client(t, t.auth);
    expect((await owner.get("/settings")).body.body_retention_days).toBeNull();
    expect((await owner.get(`/members/${alice.id}/body-retention`)).body).toEqual({
      member_id: alice.id,
      body_retention_days: null,
      org_body_retention_days: null,
      effective_days: null,
    });
    const { requestId } = await chat(alice, "tiny", "canary-off-by-default");
    expect(bodyCount()).toBe(0);
    const res = await owner.get(`/usage/${encodeURIComponent(`${requestId}:1`)}/body`);
    expect([res.status, res.body]).toEqual([404, notFoundBody("request body")]);
  });

  it("only the owner turns it on, org-wide or per member; every change is an audit row", async () => {
    const byAdmin = await client(t, bearer(admin.key)).patch("/settings", {
      body_retention_days: 7,
    });
    expect([byAdmin.status, byAdmin.body.error.param]).toEqual([403, "body_retention_days"]);
    const adminPut = await client(t, bearer(admin.key)).put(`/members/${bob.id}/body-retention`, {
      body_retention_days: 1,
    });
    expect(adminPut.status).toBe(403);
    const before = auditRows(t).length;
    const owner = client(t, t.auth);
    const on = await owner.patch("/settings", { body_retention_days: 7 });
    expect([on.status, on.body.body_retention_days]).toEqual([200, 7]);
    const never = await owner.put(`/members/${bob.id}/body-retention`, { body_retention_days: 0 });
    expect(never.body).toEqual({
      member_id: bob.id,
      body_retention_days: 0,
      org_body_retention_days: 7,
      effective_days: null,
    });
    const rows = auditRows(t).slice(before);
    expect(rows.map((r) => [r.action, r.target_id])).toEqual([
      ["settings.update", null],
      ["member.body_retention", bob.id],
    ]);
    expect(JSON.parse(rows[0]!.before_json as string).body_retention_days).toBeNull();
    expect(JSON.parse(rows[0]!.after_json as string).body_retention_days).toBe(7);
    expect(JSON.parse(rows[1]!.before_json as string).body_retention_days).toBeNull();
    expect(JSON.parse(rows[1]!.after_json as string).body_retention_days).toBe(0);
    // Bob can see that his bodies are not kept; Alice follows the org.
    expect(
      (await client(t, bearer(bob.key)).get(`/members/${bob.id}/body-retention`)).body,
    ).toMatchObject({ effective_days: null });
    expect(
      (await client(t, bearer(alice.key)).get(`/members/${alice.id}/body-retention`)).body,
    ).toMatchObject({ body_retention_days: null, effective_days: 7 });
  });

  it("stores the body sealed; shows it to staff and the sender, 404 to anyone else; sweeps it at expiry", async () => {
    const secretPrompt = "canary-prompt-7f3a9c";
    const { requestId, data } = await chat(alice, "tiny", secretPrompt);
    const usageId = `${requestId}:1`;
    const stored = t.core.db
      .prepare("SELECT * FROM request_bodies WHERE usage_id = ?")
      .get(usageId) as Record<string, unknown>;
    expect(stored).toMatchObject({
      request_id: requestId,
      member_id: alice.id,
      created_ms: clock,
      expires_ms: clock + 7 * DAY,
    });
    // Sealed: neither the prompt nor the answer is in the row in the clear.
    const rawRow = JSON.stringify(stored, (_k, v: unknown) =>
      Buffer.isBuffer(v) ? v.toString("latin1") : v,
    );
    const answer = data.choices[0]!.message.content!;
    expect(answer.length).toBeGreaterThan(0);
    expect(rawRow).not.toContain(secretPrompt);
    expect(rawRow).not.toContain(JSON.stringify(answer).slice(1, -1));

    const path = `/usage/${encodeURIComponent(usageId)}/body`;
    for (const key of [t.core.ownerToken, admin.key, alice.key]) {
      const res = await client(t, bearer(key)).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        usage_id: usageId,
        request_id: requestId,
        member_id: alice.id,
        expires_ms: clock + 7 * DAY,
        response: { text: answer, finish_reason: data.choices[0]!.finish_reason },
        request_bytes: stored.request_bytes,
        response_bytes: stored.response_bytes,
      });
      expect(JSON.stringify(res.body.request)).toContain(secretPrompt);
    }
    const missing = await client(t, bearer(bob.key)).get("/usage/req_missing%3A1/body");
    for (const key of [bob.key, viewer.key]) {
      const res = await client(t, bearer(key)).get(path);
      expect([res.status, res.body]).toEqual([404, notFoundBody("request body")]);
      expect(res.text).toBe(missing.text);
    }
    // Bob's override says never: his request leaves no body.
    const bobs = await chat(bob, "tiny", "canary-bob");
    expect(
      t.core.db
        .prepare("SELECT count(*) AS n FROM request_bodies WHERE request_id = ?")
        .get(bobs.requestId),
    ).toEqual({ n: 0 });
    // The audit export says which rows have a body.
    const exported = await exportOf(t.auth, `from=${clock}&to=${clock + 1}`);
    expect(
      exported.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as UsageAuditRecordDto)
        .map((r) => [r.request_id, r.body_retained]),
    ).toEqual(
      expect.arrayContaining([
        [requestId, true],
        [bobs.requestId, false],
      ]),
    );

    // Expired: hidden at once, deleted by the next sweep (usage retention off or not).
    clock += 7 * DAY;
    expect((await client(t, t.auth).get(path)).status).toBe(404);
    expect(bodyCount()).toBe(1);
    t.core.serverControl.sweeper.sweepNow();
    expect(bodyCount()).toBe(0);
  });

  it("a body goes with its usage row", async () => {
    const { requestId } = await chat(alice, "tiny", "canary-cascade");
    expect(bodyCount()).toBe(1);
    t.core.db.prepare("DELETE FROM usage WHERE request_id = ?").run(requestId);
    expect(bodyCount()).toBe(0);
  });
});
