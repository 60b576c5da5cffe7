import { describe, expect, it } from "vitest";
import {
  formToLimits,
  limitsToForm,
  parseCount,
  type LimitsFormValues,
} from "../../../src-renderer/lib/limitsForm";

const empty = (): LimitsFormValues => limitsToForm({});

describe("limitsToForm", () => {
  it("maps absent to inherit, null to none, values to text (money in dollars)", () => {
    const v = limitsToForm({
      rpm: 60,
      tpm: null,
      daily_cap_micros: 100_000,
      monthly_cap_micros: 37,
      allowed_models: ["tiny"],
      max_tokens: 1_000,
    });
    expect(v.rpm).toEqual({ mode: "set", value: "60" });
    expect(v.tpm).toEqual({ mode: "none", value: "" });
    expect(v.max_concurrent).toEqual({ mode: "inherit", value: "" });
    expect(v.daily_cap_micros).toEqual({ mode: "set", value: "0.10" });
    expect(v.monthly_cap_micros).toEqual({ mode: "set", value: "0.000037" });
    expect(v.allowed_models).toEqual({ mode: "set", value: ["tiny"] });
    expect(v.max_tokens).toEqual({ mode: "set", value: "1000" });
    expect(limitsToForm({ allowed_models: null }).allowed_models).toEqual({
      mode: "none",
      value: [],
    });
  });
});

describe("formToLimits", () => {
  it("builds the exact PUT body: inherit absent, none null, dollars to micro-dollars", () => {
    const v = empty();
    v.rpm = { mode: "set", value: "1" };
    v.tpm = { mode: "none", value: "" };
    v.max_concurrent = { mode: "set", value: "1,000" };
    v.daily_cap_micros = { mode: "set", value: "$0.10" };
    v.monthly_cap_micros = { mode: "set", value: "25" };
    v.allowed_models = { mode: "set", value: ["tiny", " other ", "tiny", ""] };
    expect(formToLimits(v)).toEqual({
      ok: true,
      body: {
        rpm: 1,
        tpm: null,
        max_concurrent: 1000,
        daily_cap_micros: 100_000,
        monthly_cap_micros: 25_000_000,
        allowed_models: ["tiny", "other"],
      },
    });
  });

  it("sends {} when everything inherits, and [] for an allow-list of no model", () => {
    expect(formToLimits(empty())).toEqual({ ok: true, body: {} });
    const v = empty();
    v.allowed_models = { mode: "set", value: [] };
    v.daily_cap_micros = { mode: "set", value: "0" };
    expect(formToLimits(v)).toEqual({
      ok: true,
      body: { allowed_models: [], daily_cap_micros: 0 },
    });
  });

  it('leaves "no limit" out for scopes where absent already means no limit', () => {
    const v = empty();
    v.rpm = { mode: "none", value: "" };
    v.allowed_models = { mode: "none", value: [] };
    v.tpm = { mode: "set", value: "100,000" };
    expect(formToLimits(v, { omitNone: true })).toEqual({ ok: true, body: { tpm: 100_000 } });
    expect(formToLimits(v)).toEqual({
      ok: true,
      body: { rpm: null, tpm: 100_000, allowed_models: null },
    });
  });

  it("sends the allowed categories like the allowed models: null, a list, or nothing", () => {
    const v = empty();
    v.allowed_categories = { mode: "set", value: ["code", " simple ", "code", ""] };
    v.allowed_models = { mode: "none", value: [] };
    expect(formToLimits(v)).toEqual({
      ok: true,
      body: { allowed_models: null, allowed_categories: ["code", "simple"] },
    });
    v.allowed_categories = { mode: "none", value: [] };
    expect(formToLimits(v)).toEqual({
      ok: true,
      body: { allowed_models: null, allowed_categories: null },
    });
    v.allowed_categories = {
      mode: "set",
      value: Array.from({ length: 101 }, (_, i) => `c${i}`),
    };
    expect(formToLimits(v)).toEqual({
      ok: false,
      errors: { allowed_categories: "At most 100 categories." },
    });
    expect(limitsToForm({ allowed_categories: ["code"] }).allowed_categories).toEqual({
      mode: "set",
      value: ["code"],
    });
    expect(limitsToForm({}).allowed_categories).toEqual({ mode: "inherit", value: [] });
  });

  it("round-trips a set through the form", () => {
    const set = {
      rpm: 60,
      tpm: 100_000,
      max_concurrent: null,
      max_tokens: 512,
      daily_cap_micros: 1_234_567,
      monthly_cap_micros: null,
      allowed_models: ["a/b", "c"],
      allowed_categories: ["code"],
    };
    expect(formToLimits(limitsToForm(set))).toEqual({ ok: true, body: set });
  });

  it("names every wrong field, and ignores text of fields that are not set", () => {
    const v = empty();
    v.rpm = { mode: "set", value: "0" };
    v.tpm = { mode: "set", value: "1.5" };
    v.max_concurrent = { mode: "set", value: "100001" };
    v.max_tokens = { mode: "set", value: "" };
    v.daily_cap_micros = { mode: "set", value: "-1" };
    v.monthly_cap_micros = { mode: "set", value: "0.0000001" };
    expect(formToLimits(v)).toEqual({
      ok: false,
      errors: {
        rpm: "Must be at least 1.",
        tpm: "Enter a whole number, like 60.",
        max_concurrent: "At most 100,000.",
        max_tokens: "Enter a number.",
        daily_cap_micros: "The amount cannot be negative.",
        monthly_cap_micros: "Use at most 6 decimal places (one micro-dollar is $0.000001).",
      },
    });
    const ignored = empty();
    ignored.rpm = { mode: "inherit", value: "garbage" };
    ignored.tpm = { mode: "none", value: "-5" };
    expect(formToLimits(ignored)).toEqual({ ok: true, body: { tpm: null } });
  });
});

describe("parseCount", () => {
  it("accepts whole numbers within 1…max, grouped or not", () => {
    expect(parseCount("60", 1_000_000)).toEqual({ ok: true, value: 60 });
    expect(parseCount(" 1 000 ", 1_000_000)).toEqual({ ok: true, value: 1000 });
    expect(parseCount("1,000,000", 1_000_000)).toEqual({ ok: true, value: 1_000_000 });
    expect(parseCount("1000001", 1_000_000)).toEqual({ ok: false, error: "At most 1,000,000." });
    expect(parseCount("99999999999999999999999", 10)).toEqual({ ok: false, error: "At most 10." });
    expect(parseCount("-3", 10)).toEqual({ ok: false, error: "Must be at least 1." });
    expect(parseCount("000", 10)).toEqual({ ok: false, error: "Must be at least 1." });
    expect(parseCount("1e3", 10_000)).toEqual({
      ok: false,
      error: "Enter a whole number, like 60.",
    });
    expect(parseCount("12,34", 10_000)).toEqual({
      ok: false,
      error: "Enter a whole number, like 60.",
    });
  });
});
