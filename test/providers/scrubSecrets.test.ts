import { describe, expect, it } from "vitest";
import { REDACTED, secretScrubber, upstreamText } from "../../src-main/providers/scrubSecrets.js";

/** The one scrubber every upstream text goes through (message, code, type). */
const KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345";
const OTHER = "sk-ant-api03-ZZZZyyyyXXXXwwwwVVVV";
const scrub = secretScrubber(() => [KEY, OTHER, "EMPTY", "ab"]);

/** Every run of 8 characters of `secret` found in `text`. */
const runsOf = (secret: string, text: string) => {
  const found: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 8))) found.push(secret.slice(i, i + 8));
  return found;
};

describe("secretScrubber", () => {
  it("removes a whole key, once per stretch, wherever it is", () => {
    expect(scrub(`Incorrect API key provided: ${KEY}.`)).toBe(
      `Incorrect API key provided: ${REDACTED}.`,
    );
    expect(scrub(`bad request for key Bearer ${KEY}`)).toBe(
      `bad request for key Bearer ${REDACTED}`,
    );
    expect(scrub(`${KEY}${KEY} and ${OTHER}`)).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it("removes any run of 8 or more of a key's characters: a prefix, a middle, the end", () => {
    const cases = [
      KEY.slice(0, 8),
      KEY.slice(5, 20),
      KEY.slice(-8),
      `${KEY.slice(0, 10)}...${KEY.slice(-9)}`,
    ];
    for (const piece of cases) {
      const out = scrub(`key ${piece} refused`);
      expect(runsOf(KEY, out), piece).toEqual([]);
      expect(out).toContain(REDACTED);
    }
    // Fewer than 8 in a row identify nothing and stay ("sk-****o345"); "sk-proj-" is 8 of them.
    expect(scrub("Incorrect API key provided: sk-****o345.")).toBe(
      "Incorrect API key provided: sk-****o345.",
    );
    expect(scrub("Incorrect API key provided: sk-proj-****o345.")).toBe(
      `Incorrect API key provided: ${REDACTED}****o345.`,
    );
  });

  it("removes short secrets whole, ignores ones under 4 characters, and leaves other text", () => {
    expect(scrub('{"key":"EMPTY"}')).toBe(`{"key":"${REDACTED}"}`);
    expect(scrub("about tab")).toBe("about tab");
    expect(scrub("")).toBe("");
    expect(scrub("The upstream answered 400.")).toBe("The upstream answered 400.");
  });

  it("reads the secrets once, on first use", () => {
    let reads = 0;
    const lazy = secretScrubber(() => {
      reads++;
      return [KEY];
    });
    expect(reads).toBe(0);
    lazy(KEY);
    lazy(KEY);
    expect(reads).toBe(1);
  });
});

describe("upstreamText", () => {
  it("bounds a long text after scrubbing, never leaving the start of a key at the cut", () => {
    const text = `${"x".repeat(95)}${KEY}`;
    const out = upstreamText(text, scrub, 100);
    // The cut kept 5 characters of the key, too few to recognise: they are dropped too.
    expect(out).toBe(`${"x".repeat(93)}…`);
    expect(upstreamText("short", scrub, 100)).toBe("short");
    expect(upstreamText(`a ${KEY}`, scrub, 100)).toBe(`a ${REDACTED}`);
  });
});
