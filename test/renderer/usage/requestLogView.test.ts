import type { RequestLogEntryDto } from "@contract";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  auditQuery,
  filenameOf,
  formatMs,
  logQuery,
  providerLabel,
  routeView,
  rowStatus,
} from "../../../src-renderer/features/usage/requestLogView";
import { throttle } from "../../../src-renderer/features/usage/throttle";

const row = (o: Partial<RequestLogEntryDto>): RequestLogEntryDto => ({
  id: "req_1:1",
  request_id: "req_1",
  attempt: 1,
  member_id: "mem_a",
  key_id: null,
  endpoint: "chat.completions",
  model: "tiny",
  served_model: null,
  provider: "local",
  billing_mode: "org",
  stream: false,
  state: "settled",
  created_ms: 0,
  prompt_tokens: null,
  completion_tokens: null,
  cached_tokens: null,
  cache_write_tokens: null,
  cost_micros: null,
  reserved_micros: 0,
  usage_source: null,
  estimated: false,
  outcome: "ok",
  error_code: null,
  http_status: null,
  ttft_ms: null,
  latency_ms: null,
  route_category: null,
  route_classifier: null,
  guard: null,
  model_version: null,
  body_retained: false,
  session_id: null,
  route_tokens: null,
  fallback: null,
  ...o,
});

describe("logQuery", () => {
  it("sends the session filter as session_id", () => {
    expect(logQuery({ session: "0f8e3c1a-5b2d" }, undefined)).toEqual({
      session_id: "0f8e3c1a-5b2d",
    });
  });

  it("maps the page's filters onto the API's query, window included", () => {
    expect(logQuery({}, undefined)).toEqual({});
    expect(
      logQuery(
        { member: "mem_a", model: "tiny", status: "error", provider: "remote", fallback: "true" },
        { start_ms: 10, end_ms: 20 },
      ),
    ).toEqual({
      start_ms: 10,
      end_ms: 20,
      member_id: "mem_a",
      model: "tiny",
      outcome: "error",
      provider: "remote",
      fallback: "true",
    });
    // In flight is a state, not an outcome.
    expect(logQuery({ status: "in_flight" }, undefined)).toEqual({ state: "reserved" });
    expect(logQuery({ category: "code" }, undefined)).toEqual({ category: "code" });
    expect(logQuery({ category: "-" }, undefined)).toEqual({ category: "-" });
    expect(logQuery({ guarded: "true" }, undefined)).toEqual({ guarded: "true" });
    expect(logQuery({ guarded: "false" }, undefined)).toEqual({ guarded: "false" });
  });
});

describe("auditQuery", () => {
  it("exports the window and the member filter only: the audit record is every attempt", () => {
    expect(auditQuery("jsonl", {}, undefined)).toEqual({ format: "jsonl" });
    expect(
      auditQuery(
        "csv",
        { member: "mem_a", model: "tiny", status: "error", guarded: "true" },
        { start_ms: 10, end_ms: 20 },
      ),
    ).toEqual({ format: "csv", from: "10", to: "20", member_id: "mem_a" });
  });
});

describe("row labels", () => {
  it("reads status, provider, durations and the download's name", () => {
    expect(rowStatus(row({ state: "reserved", outcome: null }))).toEqual({
      label: "In flight",
      color: "blue",
    });
    expect(rowStatus(row({}))).toEqual({ label: "OK", color: "green" });
    expect(rowStatus(row({ outcome: "aborted" }))).toEqual({ label: "Aborted", color: "yellow" });
    expect(rowStatus(row({ outcome: "error", http_status: 502 })).label).toBe("Error 502");
    expect(rowStatus(row({ outcome: "error", error_code: "orphaned" })).label).toBe(
      "Error orphaned",
    );
    expect(providerLabel("local", {})).toBe("Local");
    expect(providerLabel("con_1", { con_1: "OpenAI (lab)" })).toBe("OpenAI (lab)");
    expect(providerLabel("con_1", {})).toBe("Remote");
    expect(providerLabel(null, {})).toBe("—");
    expect([formatMs(null), formatMs(850), formatMs(2400), formatMs(12_345)]).toEqual([
      "—",
      "850 ms",
      "2.40 s",
      "12.3 s",
    ]);
    expect(filenameOf('attachment; filename="benchtop-requests-x.csv"', "r.csv")).toBe(
      "benchtop-requests-x.csv",
    );
    expect(filenameOf(null, "r.csv")).toBe("r.csv");
  });
});

describe("routeView", () => {
  it("shows the category and the model that served it, how it was decided, and what was passed over", () => {
    expect(
      routeView(
        row({
          model: "auto",
          served_model: "tiny",
          route_category: "code",
          route_classifier: "grammar",
          route_tokens: 1492,
        }),
      ),
    ).toEqual({ route: "code → tiny", detail: ["grammar classifier · 1,492 tokens"] });
    expect(
      routeView(
        row({
          model: "coder",
          served_model: "tiny",
          route_category: "code",
          route_tokens: 0,
          fallback: ["nope: model_not_found", "lab/gpt: server_error"],
        }),
      ),
    ).toEqual({
      route: "code → tiny",
      detail: ["passed over: nope: model_not_found, lab/gpt: server_error"],
    });
    expect(routeView(row({ model: "plain", served_model: "tiny2", route_tokens: 0 }))).toEqual({
      route: "→ tiny2",
      detail: [],
    });
    // A model named directly was never routed.
    expect(routeView(row({ served_model: "tiny" }))).toBeNull();
  });
});

describe("throttle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs at once, then once more after the wait for any calls during it", () => {
    let runs = 0;
    const f = throttle(() => runs++, 1000);
    f();
    expect(runs).toBe(1);
    f();
    f();
    f();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(2);
    f();
    expect(runs).toBe(3);
    f();
    f.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(3);
  });
});
