import type { LimitsDto } from "@contract";
import { moneyInputText, parseMoney } from "./formatMoney";

/**
 * The limits form as plain data, and its conversion to and from the API's `LimitsDto`. Each
 * field is one of: `inherit` (absent from the body: a member gets the default's value; for the
 * org and the default scope, absent means no limit), `none` (`null`: no limit, overriding the
 * default) or `set` (a value typed by a person). Money is typed in dollars and sent as exact
 * micro-dollars.
 */
export type LimitMode = "inherit" | "none" | "set";

export interface LimitEntry<T> {
  mode: LimitMode;
  value: T;
}

export type CountField =
  | "rpm"
  | "tpm"
  | "max_concurrent"
  | "max_tokens"
  | "gpu_weight"
  | "gpu_priority"
  | "max_gpu_sequences"
  | "max_queued";
export type MoneyField = "daily_cap_micros" | "monthly_cap_micros";
/** The access lists: model ids, and categories (docs/ROUTING.md). */
export type ListField = "allowed_models" | "allowed_categories";
export type LimitField = CountField | MoneyField | ListField;

export type LimitsFormValues = Record<CountField | MoneyField, LimitEntry<string>> &
  Record<ListField, LimitEntry<string[]>>;

export type LimitsFormErrors = Partial<Record<LimitField, string>>;

/** The whole-number limits, their labels and the contract's bounds (src-main/contract/limits.ts). */
export const COUNT_FIELDS: readonly { key: CountField; label: string; max: number }[] = [
  { key: "rpm", label: "Requests per minute", max: 1_000_000 },
  { key: "tpm", label: "Tokens per minute", max: 1_000_000_000 },
  { key: "max_concurrent", label: "Concurrent requests", max: 100_000 },
  { key: "max_tokens", label: "Max tokens per request", max: 10_000_000 },
  // Sharing a local model's sequences with the rest of the lab (the engine's fair queue).
  { key: "gpu_weight", label: "GPU share (weight)", max: 100 },
  { key: "gpu_priority", label: "GPU priority", max: 10 },
  { key: "max_gpu_sequences", label: "GPU sequences at once", max: 1024 },
  { key: "max_queued", label: "Requests waiting per model", max: 100_000 },
];

/** The access lists with the most entries the contract takes, and what one entry is called. */
export const LIST_FIELDS: readonly { key: ListField; max: number; noun: string }[] = [
  { key: "allowed_models", max: 1000, noun: "models" },
  { key: "allowed_categories", max: 100, noun: "categories" },
];

export const MONEY_FIELDS: readonly { key: MoneyField; label: string }[] = [
  { key: "daily_cap_micros", label: "Daily spend cap" },
  { key: "monthly_cap_micros", label: "Monthly spend cap" },
];

export type CountParse = { ok: true; value: number } | { ok: false; error: string };

/**
 * A whole number typed by a person, `1`…`max`: digits, optionally grouped (`1,000` or
 * `1 000`). Refuses signs, decimals and 0 (every count limit is at least 1; "no limit" is
 * its own choice).
 */
export function parseCount(input: string, max: number): CountParse {
  const text = input.trim();
  if (!text) return { ok: false, error: "Enter a number." };
  if (/^-/.test(text)) return { ok: false, error: "Must be at least 1." };
  if (!/^(\d{1,3}([, ]\d{3})+|\d+)$/.test(text))
    return { ok: false, error: "Enter a whole number, like 60." };
  const digits = text.replace(/[, ]/g, "");
  // Compare as text first: a 20-digit string must not round to something that passes.
  if (digits.replace(/^0+/, "").length > String(max).length || Number(digits) > max)
    return { ok: false, error: `At most ${max.toLocaleString("en-US")}.` };
  const value = Number(digits);
  if (value < 1) return { ok: false, error: "Must be at least 1." };
  return { ok: true, value };
}

const entry = <T>(v: T | null | undefined, text: (x: T) => string, empty: string) =>
  v === undefined
    ? { mode: "inherit" as const, value: empty }
    : v === null
      ? { mode: "none" as const, value: empty }
      : { mode: "set" as const, value: text(v) };

/** The form for what a scope sets (`LimitsViewDto.set`). */
export function limitsToForm(set: LimitsDto): LimitsFormValues {
  const count = (v: number | null | undefined) => entry(v, String, "");
  const money = (v: number | null | undefined) => entry(v, moneyInputText, "");
  const list = (v: string[] | null | undefined): LimitEntry<string[]> =>
    v === undefined
      ? { mode: "inherit", value: [] }
      : v === null
        ? { mode: "none", value: [] }
        : { mode: "set", value: [...v] };
  return {
    rpm: count(set.rpm),
    tpm: count(set.tpm),
    max_concurrent: count(set.max_concurrent),
    max_tokens: count(set.max_tokens),
    gpu_weight: count(set.gpu_weight),
    gpu_priority: count(set.gpu_priority),
    max_gpu_sequences: count(set.max_gpu_sequences),
    max_queued: count(set.max_queued),
    daily_cap_micros: money(set.daily_cap_micros),
    monthly_cap_micros: money(set.monthly_cap_micros),
    allowed_models: list(set.allowed_models),
    allowed_categories: list(set.allowed_categories),
  };
}

export type LimitsFormResult =
  { ok: true; body: LimitsDto } | { ok: false; errors: LimitsFormErrors };

export interface FormToLimitsOptions {
  /**
   * Leave "no limit" fields out instead of sending `null`: for the org and default scopes, where
   * an absent field already means no limit (keeps what is set there minimal). Defaults to false.
   */
  omitNone?: boolean;
}

/** The body of `PUT …/limits` for the form, or what is wrong with it, per field. */
export function formToLimits(
  values: LimitsFormValues,
  opts: FormToLimitsOptions = {},
): LimitsFormResult {
  const body: LimitsDto = {};
  const errors: LimitsFormErrors = {};
  for (const { key, max } of COUNT_FIELDS) {
    const { mode, value } = values[key];
    if (mode === "none") body[key] = null;
    if (mode !== "set") continue;
    const parsed = parseCount(value, max);
    if (parsed.ok) body[key] = parsed.value;
    else errors[key] = parsed.error;
  }
  for (const { key } of MONEY_FIELDS) {
    const { mode, value } = values[key];
    if (mode === "none") body[key] = null;
    if (mode !== "set") continue;
    const parsed = parseMoney(value);
    if (parsed.ok) body[key] = parsed.micros;
    else errors[key] = parsed.error;
  }
  for (const { key, max, noun } of LIST_FIELDS) {
    const { mode, value } = values[key];
    if (mode === "none") body[key] = null;
    if (mode !== "set") continue;
    const ids = [...new Set(value.map((m) => m.trim()).filter(Boolean))];
    if (ids.length > max) errors[key] = `At most ${max.toLocaleString("en-US")} ${noun}.`;
    else body[key] = ids;
  }
  if (opts.omitNone)
    for (const key of Object.keys(body) as (keyof LimitsDto)[])
      if (body[key] === null) delete body[key];
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, body };
}
