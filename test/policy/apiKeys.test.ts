import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  sameHash,
} from "../../src-main/policy/apiKeys.js";

describe("API keys", () => {
  it("look like btk_ + 38 base62 characters and are all different", () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey());
    for (const k of keys) {
      expect(k.plain).toMatch(/^btk_[0-9A-Za-z]{38}$/);
      expect(k.prefix).toBe(k.plain.slice(0, 8));
      expect(k.last4).toBe(k.plain.slice(-4));
      expect(k.hash.equals(createHash("sha256").update(k.plain).digest())).toBe(true);
      expect(isWellFormedApiKey(k.plain)).toBe(true);
    }
    expect(new Set(keys.map((k) => k.plain)).size).toBe(1000);
  });

  it("the checksum catches every single-character typo in the random part", () => {
    const { plain } = generateApiKey();
    let caught = 0;
    for (let i = 4; i < 36; i++) {
      const ch = plain[i] === "a" ? "b" : "a";
      const typo = plain.slice(0, i) + ch + plain.slice(i + 1);
      if (!isWellFormedApiKey(typo)) caught++;
    }
    expect(caught).toBe(32);
  });

  it("refuses other shapes", () => {
    const { plain } = generateApiKey();
    for (const bad of [
      "",
      "btk_",
      plain.slice(0, -1),
      `${plain}x`,
      plain.replace("btk_", "sk-_"),
      `${plain.slice(0, 10)}-${plain.slice(11)}`,
    ]) {
      expect(isWellFormedApiKey(bad)).toBe(false);
    }
  });

  it("compares hashes in constant time and by value", () => {
    const a = hashApiKey("one");
    expect(sameHash(a, hashApiKey("one"))).toBe(true);
    expect(sameHash(a, hashApiKey("two"))).toBe(false);
    expect(sameHash(a, a.subarray(0, 16))).toBe(false);
  });
});
