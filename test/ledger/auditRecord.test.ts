import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { GuardRecord } from "../../src-main/guard/types.js";
import { Ledger, type AdmitRequest } from "../../src-main/policy/ledger.js";
import { AlertsRepo } from "../../src-main/store/alertsRepo.js";
import { CreditsRepo } from "../../src-main/store/creditsRepo.js";
import { LimitsRepo } from "../../src-main/store/limitsRepo.js";
import { MembersRepo } from "../../src-main/store/membersRepo.js";
import { SettingsRepo } from "../../src-main/store/settingsRepo.js";
import { UsageRepo } from "../../src-main/store/usageRepo.js";
import { tempDb } from "../helpers/tempDb.js";

/**
 * The usage row as the per-request audit record (issue 16, part 3): the guard record written at
 * admission and carried to failover attempts, and the model version, region and retention
 * written at settlement — and left NULL by the paths that know none of them (release, the
 * startup sweep). On a real SQLite file.
 */
const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

const GUARD: GuardRecord = {
  secrets: { aws: 1 },
  secrets_action: "redacted",
  pii: { email: 2 },
  pii_mode: "redact",
  pii_scope: "org",
  pii_action: "redacted",
  restored: 0,
};

function setup() {
  const t = tempDb();
  disposers.push(t.dispose);
  const members = new MembersRepo(t.db);
  members.ensureOwner();
  const member = members.create({ name: "m", role: "member" });
  const deps = {
    db: t.db,
    usage: new UsageRepo(t.db),
    credits: new CreditsRepo(t.db),
    alerts: new AlertsRepo(t.db),
    limits: new LimitsRepo(t.db),
    settings: new SettingsRepo(t.db),
    log: pino({ level: "silent" }),
  };
  const ledger = new Ledger(deps);
  const request = (id: string, guard?: GuardRecord): AdmitRequest => ({
    requestId: id,
    memberId: member.id,
    keyId: null,
    endpoint: "chat.completions",
    model: "pool",
    stream: false,
    promptTokens: 10,
    maxTokens: 100,
    contextTokens: 131_072,
    completion: true,
    ...(guard ? { guard } : {}),
  });
  const admit = (req: AdmitRequest) => {
    const r = ledger.admit(req);
    if (!r.ok) throw new Error("refused");
    return r.admission;
  };
  const row = (id: string) =>
    t.db
      .prepare(
        `SELECT state, provider, guard_json, model_version, provider_region, provider_retention
         FROM usage WHERE id = ?`,
      )
      .get(id) as Record<string, unknown>;
  return { t, deps, ledger, request, admit, row };
}

const settled = {
  servedModel: "gpt-x",
  provider: "con_b",
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 0,
  source: "provider" as const,
  estimated: false,
  outcome: "ok" as const,
};

describe("the usage row's audit fields", () => {
  it("the guard record is written at admission and carried to every failover attempt", () => {
    const { ledger, request, admit, row } = setup();
    let a = admit(request("req_g", GUARD));
    expect(row("req_g:1").guard_json).toBe(JSON.stringify(GUARD));
    a = ledger.reattempt(a, {
      provider: "con_a",
      servedModel: "gpt-x",
      errorCode: "rate_limited",
      httpStatus: 429,
      region: "us-east-1",
      retention: "30 days",
    });
    ledger.settle(a, {
      ...settled,
      audit: { modelVersion: "gpt-x-2026-01-01", region: "eu-west-1", retention: "zero" },
    });
    expect(row("req_g:1")).toEqual({
      state: "released",
      provider: "con_a",
      guard_json: JSON.stringify(GUARD),
      model_version: null,
      provider_region: "us-east-1",
      provider_retention: "30 days",
    });
    expect(row("req_g:2")).toEqual({
      state: "settled",
      provider: "con_b",
      guard_json: JSON.stringify(GUARD),
      model_version: "gpt-x-2026-01-01",
      provider_region: "eu-west-1",
      provider_retention: "zero",
    });
  });

  it("no guard and no audit: the columns stay NULL (settled, failed over, released)", () => {
    const { ledger, request, admit, row } = setup();
    let a = admit(request("req_n"));
    a = ledger.reattempt(a, {
      provider: "con_a",
      servedModel: "gpt-x",
      errorCode: "server_error",
      httpStatus: 500,
    });
    ledger.settle(a, settled);
    const b = admit(request("req_r"));
    ledger.release(b, "upstream_unavailable", 503);
    const nulls = {
      guard_json: null,
      model_version: null,
      provider_region: null,
      provider_retention: null,
    };
    expect(row("req_n:1")).toEqual({ state: "released", provider: "con_a", ...nulls });
    expect(row("req_n:2")).toEqual({ state: "settled", provider: "con_b", ...nulls });
    expect(row("req_r:1")).toEqual({ state: "released", provider: null, ...nulls });
  });

  it("a release keeps the guard record; the startup sweep settles with it and no version", () => {
    const { deps, ledger, request, admit, row } = setup();
    const released = admit(request("req_rel", GUARD));
    ledger.release(released, "client_disconnected", 499);
    admit(request("req_crash", GUARD));
    // A new ledger over the same database: what a restart after a crash runs.
    expect(new Ledger(deps).recover()).toBe(1);
    expect(row("req_rel:1")).toMatchObject({
      state: "released",
      guard_json: JSON.stringify(GUARD),
    });
    expect(row("req_crash:1")).toEqual({
      state: "settled",
      provider: null,
      guard_json: JSON.stringify(GUARD),
      model_version: null,
      provider_region: null,
      provider_retention: null,
    });
  });
});
