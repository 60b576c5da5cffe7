/**
 * Money in the UI. The API counts integer micro-dollars (1 USD = 1,000,000 µ$); these helpers
 * turn them into text and back with integer arithmetic only, so "$0.10" is exactly 100,000 and
 * never 99,999.99… (no floats on the way).
 */

export const MICROS_PER_DOLLAR = 1_000_000;
/** Decimal places a micro-dollar needs. */
const MICRO_DIGITS = 6;

export interface FormatMoneyOptions {
  /** Decimal places always shown (trailing zeros beyond them are dropped). Defaults to 2. */
  minDecimals?: number;
  /** Thousands separators (`$1,234.50`). Defaults to true. */
  grouping?: boolean;
  /** The leading `$`. Defaults to true. */
  symbol?: boolean;
}

/**
 * Exact dollars of an integer number of micro-dollars: `100000` → `"$0.10"`, `37` →
 * `"$0.000037"`, `-1234500000` → `"-$1,234.50"`. Every micro-dollar is shown, never rounded.
 */
export function formatMoney(micros: number, opts: FormatMoneyOptions = {}): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of µ$: ${micros}`);
  const { minDecimals = 2, grouping = true, symbol = true } = opts;
  const abs = Math.abs(micros);
  // Exact: both operands are safe integers.
  const whole = String(Math.floor(abs / MICROS_PER_DOLLAR));
  let fraction = String(abs % MICROS_PER_DOLLAR).padStart(MICRO_DIGITS, "0");
  const keep = Math.min(Math.max(minDecimals, 0), MICRO_DIGITS);
  while (fraction.length > keep && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  const wholeText = grouping ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole;
  const sign = micros < 0 ? "-" : "";
  return `${sign}${symbol ? "$" : ""}${wholeText}${fraction ? `.${fraction}` : ""}`;
}

/** The text a money input starts with: `100000` → `"0.10"` (no `$`, no separators). */
export const moneyInputText = (micros: number) =>
  formatMoney(micros, { grouping: false, symbol: false });

export type MoneyParse = { ok: true; micros: number } | { ok: false; error: string };

export interface ParseMoneyOptions {
  /** Accept amounts below zero (credit adjustments). Defaults to false. */
  allowNegative?: boolean;
  /** Accept exactly zero. Defaults to true. */
  allowZero?: boolean;
}

/** `$1,234.56`, `1234.56`, `-$0.5`, `.25`: optional sign and `$`, grouped or plain digits. */
const MONEY = /^(-)?\$?(-)?((?:\d{1,3}(?:,\d{3})+)|\d*)(?:\.(\d*))?$/;

/**
 * Dollars typed by a person → exact micro-dollars: `"$0.10"` → 100,000, `"1,000"` →
 * 1,000,000,000, `"0.000001"` → 1. Refuses more than 6 decimal places (finer than a µ$),
 * negative amounts unless allowed, and amounts beyond what the API can store.
 */
export function parseMoney(input: string, opts: ParseMoneyOptions = {}): MoneyParse {
  const { allowNegative = false, allowZero = true } = opts;
  const text = input.trim().replace(/\s+/g, "");
  if (!text) return { ok: false, error: "Enter an amount." };
  const m = MONEY.exec(text);
  if (!m) return { ok: false, error: "Enter an amount in dollars, like 12.50." };
  const [, signBefore, signAfter, wholeText = "", fractionText] = m;
  if (signBefore && signAfter)
    return { ok: false, error: "Enter an amount in dollars, like 12.50." };
  const negative = Boolean(signBefore ?? signAfter);
  const digits = wholeText.replaceAll(",", "");
  if (!digits && !fractionText)
    return { ok: false, error: "Enter an amount in dollars, like 12.50." };
  const fraction = fractionText ?? "";
  if (fraction.length > MICRO_DIGITS)
    return { ok: false, error: "Use at most 6 decimal places (one micro-dollar is $0.000001)." };
  const micros =
    BigInt(digits || "0") * BigInt(MICROS_PER_DOLLAR) + BigInt(fraction.padEnd(MICRO_DIGITS, "0"));
  if (micros > BigInt(Number.MAX_SAFE_INTEGER))
    return { ok: false, error: "That amount is too large." };
  if (micros === 0n) {
    return allowZero
      ? { ok: true, micros: 0 }
      : { ok: false, error: "Enter an amount other than 0." };
  }
  if (negative && !allowNegative) return { ok: false, error: "The amount cannot be negative." };
  const value = Number(micros);
  return { ok: true, micros: negative ? -value : value };
}
