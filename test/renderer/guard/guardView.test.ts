import type { GuardPolicyDto, GuardRecordDto, GuardSummaryDto, GuardTestDto } from "@contract";
import { describe, expect, it } from "vitest";
import {
  countsText,
  emptyOverrideForm,
  guardBadges,
  guardSummaryRows,
  highlightSegments,
  memberRetentionText,
  policyFormToBody,
  policyToForm,
  retentionText,
  scopeText,
  testActionText,
  typesText,
} from "../../../src-renderer/features/guard/guardView";

const policy = (o: Partial<GuardPolicyDto> = {}): GuardPolicyDto => ({
  scope: "org",
  scope_id: null,
  pii_mode: "flag",
  pii_types: null,
  apply_local: false,
  keep_local_model: null,
  restore: false,
  updated_ms: 0,
  ...o,
});

const record = (o: Partial<GuardRecordDto> = {}): GuardRecordDto => ({
  secrets: {},
  secrets_action: "none",
  pii: {},
  pii_mode: "flag",
  pii_scope: "org",
  pii_action: "none",
  restored: 0,
  ...o,
});

const finding = (
  start: number,
  end: number,
  o: Partial<GuardTestDto["findings"][number]> = {},
): GuardTestDto["findings"][number] => ({
  kind: "pii",
  type: "email",
  rule: "email",
  start,
  end,
  placeholder: "[EMAIL_1]",
  ...o,
});

describe("policy forms", () => {
  it("round-trips a stored policy and sends types in the contract's order, null for all", () => {
    const v = policyToForm(policy({ pii_types: ["phone", "email"], apply_local: true }));
    expect(v).toEqual({
      mode: "flag",
      allTypes: false,
      types: ["phone", "email"],
      applyLocal: true,
      keepLocalModel: null,
      restore: false,
    });
    expect(policyFormToBody(v, { scope: "org", orgKeepLocal: null })).toEqual({
      ok: true,
      body: {
        pii_mode: "flag",
        pii_types: ["email", "phone"],
        apply_local: true,
        keep_local_model: null,
        restore: false,
      },
    });
    expect(
      policyFormToBody({ ...v, allTypes: true }, { scope: "org", orgKeepLocal: null }),
    ).toMatchObject({ ok: true, body: { pii_types: null } });
  });

  it("refuses no types at all, and keep-local without a local model to fall back to", () => {
    const v = { ...emptyOverrideForm(), allTypes: false, mode: "keep-local" as const };
    expect(policyFormToBody(v, { scope: "org", orgKeepLocal: null })).toEqual({
      ok: false,
      errors: {
        types: "Pick at least one type, or choose all types.",
        keepLocalModel: "Keep local needs a local model to serve such requests.",
      },
    });
    expect(policyFormToBody(v, { scope: "member", orgKeepLocal: null })).toMatchObject({
      ok: false,
      errors: {
        keepLocalModel: "Pick a local model: the org's policy names none to fall back to.",
      },
    });
    // An override falls back to the org's local model; the org's own form never does.
    const typed = { ...v, types: ["card" as const] };
    expect(policyFormToBody(typed, { scope: "model", orgKeepLocal: "tiny" })).toEqual({
      ok: true,
      body: {
        pii_mode: "keep-local",
        pii_types: ["card"],
        apply_local: false,
        keep_local_model: null,
        restore: null,
      },
    });
    expect(policyFormToBody(typed, { scope: "org", orgKeepLocal: "tiny" }).ok).toBe(false);
  });

  it("never leaves the org's restore to the org", () => {
    const v = { ...emptyOverrideForm(), restore: null };
    expect(policyFormToBody(v, { scope: "org", orgKeepLocal: null })).toMatchObject({
      ok: true,
      body: { restore: false },
    });
    expect(policyFormToBody(v, { scope: "member", orgKeepLocal: null })).toMatchObject({
      ok: true,
      body: { restore: null },
    });
  });
});

describe("texts", () => {
  it("names types, scopes, dry-run actions and retention", () => {
    expect(typesText(null)).toBe("all types");
    expect(typesText(["card", "email"])).toBe("email, card");
    expect(scopeText("org")).toBe("the org's policy");
    expect(scopeText("member")).toBe("the member's policy");
    expect(scopeText("model:lab/gpt-4o")).toBe("the policy of lab/gpt-4o");
    expect(scopeText("alias:coder")).toBe("the policy of alias coder");
    const r: Omit<GuardTestDto, "action"> = {
      findings: [],
      redacted: "",
      pii_mode: "keep-local",
      pii_scope: "org",
      keep_local_model: "tiny",
    };
    expect(testActionText({ ...r, action: "kept_local" })).toBe("Kept local: served by tiny");
    expect(testActionText({ ...r, action: "blocked" })).toBe(
      "Refused (400 pii_blocked): nothing is sent",
    );
    expect(testActionText({ ...r, action: "sent" })).toBe("Sent as written");
    expect(retentionText(null)).toBe("Not kept");
    expect(retentionText(0)).toBe("Not kept");
    expect(retentionText(1)).toBe("Kept 1 day");
    expect(retentionText(30)).toBe("Kept 30 days");
    expect(memberRetentionText(null, 30)).toBe("As the org: kept 30 days");
    expect(memberRetentionText(null, null)).toBe("As the org: not kept");
    expect(memberRetentionText(0, 30)).toBe("Never kept for this member");
    expect(memberRetentionText(7, null)).toBe("Kept 7 days for this member");
    expect(countsText({ phone: 2, email: 1 })).toBe("email ×1, phone ×2");
  });
});

describe("highlightSegments", () => {
  it("cuts the text at its findings, in order, keeping every character", () => {
    const text = "mail a@b.io and tok ghp_x!";
    const email = finding(5, 11);
    const token = finding(20, 25, { kind: "secret", type: "github", placeholder: "[SECRET_1]" });
    const segments = highlightSegments(text, [token, email]);
    expect(segments).toEqual([
      { text: "mail " },
      { text: "a@b.io", finding: email },
      { text: " and tok " },
      { text: "ghp_x", finding: token },
      { text: "!" },
    ]);
    expect(segments.map((s) => s.text).join("")).toBe(text);
  });

  it("leaves overlapping and out-of-range findings unhighlighted; no findings is one run", () => {
    expect(highlightSegments("abcdef", [finding(0, 4), finding(2, 6), finding(5, 9)])).toEqual([
      { text: "abcd", finding: finding(0, 4) },
      { text: "ef" },
    ]);
    expect(highlightSegments("plain", [])).toEqual([{ text: "plain" }]);
    expect(highlightSegments("", [])).toEqual([{ text: "" }]);
  });
});

describe("guardBadges", () => {
  it("reads each action of a usage row's guard record", () => {
    expect(guardBadges(null)).toEqual([]);
    expect(guardBadges(record())).toEqual([]);
    expect(
      guardBadges(
        record({
          secrets: { github: 1, aws: 1 },
          secrets_action: "redacted",
          pii: { email: 2 },
          pii_mode: "redact",
          pii_action: "redacted",
        }),
      ),
    ).toEqual([
      { label: "2 secrets redacted", color: "orange", detail: "aws ×1, github ×1" },
      { label: "PII redacted", color: "blue", detail: "email ×2" },
    ]);
    expect(
      guardBadges(
        record({
          secrets_action: "local",
          pii: { card: 1 },
          pii_mode: "keep-local",
          pii_action: "kept_local",
          kept_local: { from: ["cloud"], to: "tiny" },
        }),
      ),
    ).toEqual([{ label: "kept local → tiny", color: "teal", detail: "card ×1" }]);
    expect(guardBadges(record({ secrets: { jwt: 1 }, secrets_action: "off" }))).toEqual([
      { label: "KeyVault off: 1 secret sent", color: "red", detail: "jwt ×1" },
    ]);
    // KeyVault off says so even when nothing was found: the connection would have sent it.
    expect(guardBadges(record({ secrets_action: "off" }))).toEqual([
      { label: "KeyVault off", color: "red" },
    ]);
    expect(guardBadges(record({ pii: { phone: 1 }, pii_action: "flagged", restored: 1 }))).toEqual([
      { label: "PII flagged", color: "yellow", detail: "phone ×1" },
      { label: "1 placeholder restored", color: "grape" },
    ]);
  });
});

it("lists the usage period's guard counts", () => {
  const s: GuardSummaryDto = {
    requests: 12,
    with_secrets: 2,
    with_pii: 3,
    secrets: { github: 2 },
    pii: { email: 3, phone: 1 },
    actions: {
      secrets_redacted: 2,
      keyvault_off: 0,
      pii_flagged: 1,
      pii_redacted: 1,
      kept_local: 1,
    },
    restored: 4,
  };
  expect(guardSummaryRows(s)).toEqual([
    ["Requests checked", "12"],
    ["With secrets", "2"],
    ["With personal data", "3"],
    ["Secrets by type", "github ×2"],
    ["Personal data by type", "email ×3, phone ×1"],
    ["Secrets redacted", "2"],
    ["Sent with KeyVault off", "0"],
    ["Personal data flagged", "1"],
    ["Personal data redacted", "1"],
    ["Kept local", "1"],
    ["Placeholders restored", "4"],
  ]);
});
