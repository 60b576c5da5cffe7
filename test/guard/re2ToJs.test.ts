import { describe, expect, it } from "vitest";
import { re2ToJs } from "../../scripts/gitleaks/re2ToJs.js";
import { parseToml } from "../../scripts/gitleaks/toml.js";

const js = (p: string) => {
  const r = re2ToJs(p);
  if ("error" in r) throw new Error(r.error);
  return new RegExp(r.source, r.flags);
};

describe("Go RE2 → JS conversion", () => {
  it("a leading (?i) becomes the i flag", () => {
    expect(re2ToJs("(?i)abc[a-z]")).toEqual({ source: "abc[a-z]", flags: "i" });
  });

  it("a mid-pattern (?i) applies to the rest of its group only", () => {
    const re = js("\\b(LTAI(?i)[a-z0-9]{4})x");
    expect(re.test("LTAIAbC1x")).toBe(true);
    expect(re.test("ltaiabc1x")).toBe(false);
    expect(re.test("LTAIabc1X")).toBe(false);
  });

  it("(?i:…) and (?-i:…) scope as in RE2", () => {
    const re = js("(?i)key(?-i:[Aa]pi|API)");
    expect(re.test("KEYapi")).toBe(true);
    expect(re.test("keyAPI")).toBe(true);
    expect(re.test("keyaPI")).toBe(false);
    expect(js("x(?i:ab)y").test("xABy")).toBe(true);
    expect(js("x(?i:ab)y").test("xABY")).toBe(false);
  });

  it("POSIX classes, a leading ] in a class, (?s:.), \\z and named groups", () => {
    expect(js("^[[:alnum:]]+$").test("aZ9")).toBe(true);
    expect(js("^[^]]+$").test("ab]")).toBe(false);
    expect(js("a(?s:.)b").test("a\nb")).toBe(true);
    expect(js("a.b").test("a\nb")).toBe(false);
    expect(js("ab\\z").test("ab\n")).toBe(false);
    expect(js("(?P<x>a)(b)").exec("ab")?.[2]).toBe("b");
  });

  it("refuses what has no JS equivalent", () => {
    expect(re2ToJs("(?U)a+")).toHaveProperty("error");
    expect(re2ToJs("\\pL+")).toHaveProperty("error");
  });
});

describe("TOML subset", () => {
  it("reads gitleaks' shapes", () => {
    const t = parseToml(
      `title = "x"\n[allowlist]\nregexes = [\n  '''a''',\n  '''b''', # c\n]\n[[rules]]\nid = "r1"\nentropy = 3.5\nkeywords = ["k"]\n[[rules.allowlists]]\nstopwords = ["s"]\n[[rules]]\nid = "r2"\n`,
    );
    expect(t).toEqual({
      title: "x",
      allowlist: { regexes: ["a", "b"] },
      rules: [
        { id: "r1", entropy: 3.5, keywords: ["k"], allowlists: [{ stopwords: ["s"] }] },
        { id: "r2" },
      ],
    });
  });
});
