import { describe, expect, it } from "vitest";
import { formatMoney, moneyInputText, parseMoney } from "../../../src-renderer/lib/formatMoney";

describe("formatMoney", () => {
  it("shows every micro-dollar, at least two decimals, grouped thousands", () => {
    expect(formatMoney(0)).toBe("$0.00");
    expect(formatMoney(1)).toBe("$0.000001");
    expect(formatMoney(37)).toBe("$0.000037");
    expect(formatMoney(100_000)).toBe("$0.10");
    expect(formatMoney(1_230_000)).toBe("$1.23");
    expect(formatMoney(1_234_567)).toBe("$1.234567");
    expect(formatMoney(1_234_500_000)).toBe("$1,234.50");
    expect(formatMoney(-100_000)).toBe("-$0.10");
    expect(formatMoney(Number.MAX_SAFE_INTEGER)).toBe("$9,007,199,254.740991");
  });

  it("takes options for inputs and whole dollars", () => {
    expect(formatMoney(1_234_500_000, { grouping: false, symbol: false })).toBe("1234.50");
    expect(formatMoney(5_000_000, { minDecimals: 0 })).toBe("$5");
    expect(moneyInputText(100_000)).toBe("0.10");
    expect(moneyInputText(0)).toBe("0.00");
  });

  it("refuses what is not a whole number of micro-dollars", () => {
    expect(() => formatMoney(0.5)).toThrow(RangeError);
    expect(() => formatMoney(Number.NaN)).toThrow(RangeError);
  });
});

describe("parseMoney", () => {
  const micros = (text: string, opts?: Parameters<typeof parseMoney>[1]) => {
    const r = parseMoney(text, opts);
    return r.ok ? r.micros : r.error;
  };

  it("turns dollars into exact micro-dollars (no float drift)", () => {
    expect(micros("$0.10")).toBe(100_000);
    expect(micros("0.1")).toBe(100_000);
    expect(micros(".25")).toBe(250_000);
    expect(micros("1")).toBe(1_000_000);
    expect(micros("1.")).toBe(1_000_000);
    expect(micros("0.000001")).toBe(1);
    // 0.29 * 1e6 is 289999.99999999994 in floating point.
    expect(micros("0.29")).toBe(290_000);
    expect(micros("1.005")).toBe(1_005_000);
    expect(micros("$1,234.56")).toBe(1_234_560_000);
    expect(micros(" 12 ")).toBe(12_000_000);
    expect(micros("9007199254.740991")).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("round-trips what formatMoney shows", () => {
    for (const n of [0, 1, 37, 99_999, 100_000, 1_234_567, 987_654_321_012])
      expect(micros(formatMoney(n))).toBe(n);
  });

  it("refuses negative, finer than a micro-dollar, malformed, too large", () => {
    expect(micros("-1")).toBe("The amount cannot be negative.");
    expect(micros("$-0.10")).toBe("The amount cannot be negative.");
    expect(micros("0.0000001")).toBe(
      "Use at most 6 decimal places (one micro-dollar is $0.000001).",
    );
    expect(micros("")).toBe("Enter an amount.");
    expect(micros("   ")).toBe("Enter an amount.");
    for (const bad of ["abc", "1.2.3", "1,23", "12,3456", "--1", "-$-1", "$", ".", "1e3", "0x10"])
      expect(micros(bad)).toBe("Enter an amount in dollars, like 12.50.");
    expect(micros("9007199254.740992")).toBe("That amount is too large.");
    expect(micros("100000000000000000000")).toBe("That amount is too large.");
  });

  it("accepts negatives and refuses zero when asked", () => {
    expect(micros("-$0.10", { allowNegative: true })).toBe(-100_000);
    expect(micros("-2.5", { allowNegative: true })).toBe(-2_500_000);
    expect(micros("0", { allowZero: false })).toBe("Enter an amount other than 0.");
    expect(micros("-0.00", { allowNegative: true, allowZero: false })).toBe(
      "Enter an amount other than 0.",
    );
    expect(micros("0")).toBe(0);
  });
});
