import type { ConnectionDto, TargetHealthDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  describeTarget,
  summarizeConnection,
} from "../../../src-renderer/features/connections/targetHealth";
import { coalesce } from "../../../src-renderer/features/connections/liveRefresh";

const NOW = 1_800_000_000_000;
const h = (over: Partial<TargetHealthDto> = {}): TargetHealthDto => ({
  target_id: "con_1/key_1/m",
  connection_id: "con_1",
  key_id: "key_1",
  upstream_model: "m",
  key_status: "active",
  state: "closed",
  available: true,
  in_flight: 0,
  latency_ms: null,
  resting_until_ms: null,
  disabled_reason: null,
  exhausted: false,
  exhausted_until_ms: null,
  consecutive_failures: 0,
  open_until_ms: null,
  ...over,
});

describe("a target's health in words", () => {
  it("names each state with the time left, worst first", () => {
    expect(describeTarget(h(), NOW)).toMatchObject({ condition: "healthy", label: "Healthy" });
    expect(
      describeTarget(h({ resting_until_ms: NOW + 12_300, available: false }), NOW),
    ).toMatchObject({ condition: "resting", label: "Resting after 429 · 13s" });
    expect(
      describeTarget(
        h({ state: "open", open_until_ms: NOW + 65_000, consecutive_failures: 3 }),
        NOW,
      ),
    ).toMatchObject({
      condition: "cooling",
      label: "Cooling down · 1m 05s",
      detail: "3 failures in a row; one probe request in 1m 05s.",
    });
    expect(describeTarget(h({ state: "half_open", open_until_ms: NOW - 1 }), NOW)).toMatchObject({
      condition: "probing",
    });
    const disabled = h({
      key_status: "disabled",
      disabled_reason: "the upstream refused the key (401/403)",
      resting_until_ms: NOW + 5000,
    });
    expect(describeTarget(disabled, NOW)).toEqual({
      condition: "disabled",
      label: "Key disabled",
      color: "red",
      detail: "Disabled: the upstream refused the key (401/403).",
    });
    expect(describeTarget(h({ key_status: "exhausted", exhausted: true }), NOW)).toMatchObject({
      condition: "exhausted",
      label: "Exhausted",
    });
    // A rest that has ended reads healthy again, without waiting for the next poll.
    expect(describeTarget(h({ resting_until_ms: NOW - 1 }), NOW).condition).toBe("healthy");
  });
});

describe("a connection's summary", () => {
  const conn = (statuses: ("active" | "disabled")[]): ConnectionDto => ({
    id: "con_1",
    name: "c",
    kind: "openai",
    base_url: "https://api.openai.com/v1",
    headers: {},
    region: null,
    retention: null,
    redact_secrets: true,
    keys: statuses.map((status, i) => ({
      id: `key_${i}`,
      connection_id: "con_1",
      label: `k${i}`,
      last4: "abcd",
      status,
      status_reason: null,
      created_ms: 1,
      updated_ms: 1,
    })),
    created_ms: 1,
    updated_ms: 1,
  });

  it("counts keys, averages latency and shows the worst state", () => {
    const s = summarizeConnection(
      conn(["active", "disabled"]),
      [
        h({ latency_ms: 100 }),
        h({ latency_ms: 201 }),
        h({ key_status: "disabled", available: false }),
      ],
      NOW,
    );
    expect(s).toMatchObject({ activeKeys: 1, totalKeys: 2, latencyMs: 151 });
    expect(s.counts).toEqual({ healthy: 2, disabled: 1 });
    expect(s.worst.label).toBe("Key disabled (partly)");
  });

  it("says when there is no key, no active key, or no pool yet", () => {
    expect(summarizeConnection(conn([]), [], NOW).worst.label).toBe("No keys");
    expect(summarizeConnection(conn(["disabled"]), [], NOW).worst.label).toBe("No active key");
    expect(summarizeConnection(conn(["active"]), [], NOW).worst.label).toBe("Idle");
  });
});

describe("coalesce", () => {
  it("runs a burst of calls as the running one plus one more", async () => {
    let runs = 0;
    let release!: () => void;
    const refresh = coalesce(async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    });
    const first = refresh();
    const burst = [refresh(), refresh(), refresh()];
    release();
    await Promise.all([first, ...burst]);
    expect(runs).toBe(2);
    await refresh();
    expect(runs).toBe(3);
  });
});
