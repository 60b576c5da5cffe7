import { periodKeys } from "../../src-main/policy/periods.js";
import type { TestMember, TestServer } from "../helpers/testServer.js";

/**
 * Usage rows with exact values for the usage page's queries (usageLog.test.ts): two members'
 * local and remote requests, a pool failover, an in-flight and a crash-swept row, latencies for
 * percentiles, and more rows than one CSV read step.
 */

/** 2026-03-02T10:00:00Z: every seeded row is admitted within the minutes after it. */
export const BASE = Date.parse("2026-03-02T10:00:00Z");
export const HOUR = 3_600_000;
export const CON_A = "con_aaaaaaaaaaaaaaaa";
export const CON_B = "con_bbbbbbbbbbbbbbbb";
export const FORMULA_MODEL = '=HYPERLINK("http://x.test","a,b")';

export interface Seed {
  id: string;
  member: "a" | "b";
  model: string;
  provider: string | null;
  state: "reserved" | "settled" | "released";
  at: number;
  tokens?: [number, number];
  cost?: number;
  outcome?: "ok" | "error" | "aborted";
  ttft?: number | null;
  latency?: number;
  estimated?: boolean;
  errorCode?: string;
  httpStatus?: number;
}

export const seeds: Seed[] = [
  {
    id: "req_1:1",
    member: "a",
    model: "tiny",
    provider: "local",
    state: "settled",
    at: 0,
    tokens: [10, 5],
    cost: 20,
    outcome: "ok",
    ttft: 100,
    latency: 1000,
  },
  {
    id: "req_2:1",
    member: "a",
    model: "tiny",
    provider: "local",
    state: "settled",
    at: 1000,
    tokens: [20, 10],
    cost: 40,
    outcome: "ok",
    ttft: 200,
    latency: 2000,
  },
  // A pool request that failed over: attempt 1 released on CON_A, attempt 2 answered by CON_B.
  {
    id: "req_3:1",
    member: "a",
    model: "gpt-x",
    provider: CON_A,
    state: "released",
    at: 2000,
    cost: 0,
    outcome: "error",
    latency: 300,
    errorCode: "server_error",
    httpStatus: 500,
  },
  {
    id: "req_3:2",
    member: "a",
    model: "gpt-x",
    provider: CON_B,
    state: "settled",
    at: 2000,
    tokens: [7, 3],
    cost: 9,
    outcome: "ok",
    ttft: 50,
    latency: 700,
  },
  {
    id: "req_4:1",
    member: "b",
    model: FORMULA_MODEL,
    provider: CON_A,
    state: "settled",
    at: 3000,
    tokens: [1, 1],
    cost: 3,
    outcome: "ok",
    ttft: 30,
    latency: 300,
  },
  {
    id: "req_5:1",
    member: "b",
    model: "tiny",
    provider: "local",
    state: "settled",
    at: 4000,
    tokens: [4, 2],
    cost: 8,
    outcome: "aborted",
    ttft: 400,
    latency: 4000,
  },
  { id: "req_6:1", member: "b", model: "tiny", provider: null, state: "reserved", at: 5000 },
  // Settled by the crash sweep: no provider, estimated.
  {
    id: "req_7:1",
    member: "b",
    model: "tiny",
    provider: null,
    state: "settled",
    at: 6000,
    tokens: [0, 0],
    cost: 100,
    outcome: "error",
    estimated: true,
  },
  // Latency percentiles: 7 total latencies 10…70 ms, 4 TTFTs 1…4 ms.
  ...[1, 2, 3, 4, 5, 6, 7].map((i): Seed => ({
    id: `req_b${i}:1`,
    member: "b",
    model: "bench",
    provider: "local",
    state: "settled",
    at: HOUR + i,
    tokens: [1, 1],
    cost: 0,
    outcome: "ok",
    ttft: i <= 4 ? i : null,
    latency: 10 * i,
  })),
];

/** Inserts one seeded row as the ledger would have left it (member "a" or "b" of `members`). */
export function seed(t: TestServer, members: Record<"a" | "b", TestMember>, s: Seed) {
  const tz = t.core.ledger.timeZone();
  const created = BASE + s.at;
  const { day, month } = periodKeys(created, tz);
  const [requestId, attempt] = s.id.split(":") as [string, string];
  t.core.db
    .prepare(
      `INSERT INTO usage (id, request_id, attempt, member_id, key_id, endpoint, requested_model,
         served_model, provider, billing_mode, stream, state, created_ms, day, month,
         reserved_tokens, reserved_micros, prompt_tokens, completion_tokens, cached_tokens,
         cost_micros, usage_source, estimated, outcome, error_code, http_status, ttft_ms, latency_ms)
       VALUES (?, ?, ?, ?, ?, 'chat.completions', ?, ?, ?, 'org', 0, ?, ?, ?, ?, 100, 500,
         ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      s.id,
      requestId,
      Number(attempt),
      members[s.member].id,
      members[s.member].keyId,
      s.model,
      s.state === "settled" ? s.model : null,
      s.provider,
      s.state,
      created,
      day,
      month,
      s.tokens?.[0] ?? null,
      s.tokens?.[1] ?? null,
      s.tokens ? 0 : null,
      s.cost ?? null,
      s.state === "settled" ? (s.estimated ? "reserved_max" : "engine") : null,
      s.estimated ? 1 : 0,
      s.outcome ?? null,
      s.errorCode ?? null,
      s.httpStatus ?? null,
      s.ttft ?? null,
      s.latency ?? null,
    );
}

/** More rows than one CSV step reads (1000), an hour before BASE, for the export's paging. */
export const BULK = 1205;
export const bulk = (i: number): Seed => ({
  id: `req_bulk${String(i).padStart(4, "0")}:1`,
  member: "b",
  model: "bulk",
  provider: "local",
  state: "settled",
  at: -HOUR - Math.floor(i / 2),
  tokens: [1, 1],
  cost: 1,
  outcome: "ok",
  ttft: 1,
  latency: 1,
});
