import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Benchtop API keys: `btk_` + 32 random base62 characters (≈190 bits) + a 6-character base62
 * CRC-32 of the random part. The checksum lets Benchtop (and secret scanners) tell a real key
 * from a typo or a look-alike string offline, before any database lookup. Keys are stored only
 * as SHA-256 hashes (plus prefix and last 4 characters for display) and shown once.
 */
export const KEY_PREFIX = "btk_";
const RANDOM_CHARS = 32;
const CHECKSUM_CHARS = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

export interface NewApiKey {
  /** The key itself: returned to its owner once, never stored or logged. */
  plain: string;
  /** SHA-256 of `plain`, the only form stored. */
  hash: Buffer;
  /** What the UI shows: `btk_AbCd…wxyz`. */
  prefix: string;
  last4: string;
}

export function generateApiKey(): NewApiKey {
  let random = "";
  for (let i = 0; i < RANDOM_CHARS; i++) random += BASE62[randomInt(62)];
  const plain = `${KEY_PREFIX}${random}${checksum(random)}`;
  return {
    plain,
    hash: hashApiKey(plain),
    prefix: plain.slice(0, KEY_PREFIX.length + 4),
    last4: plain.slice(-4),
  };
}

/** True when `value` has the shape of a Benchtop key and its checksum matches. */
export function isWellFormedApiKey(value: string): boolean {
  if (!KEY_PATTERN.test(value)) return false;
  const body = value.slice(KEY_PREFIX.length);
  const random = body.slice(0, RANDOM_CHARS);
  const sum = Buffer.from(body.slice(RANDOM_CHARS));
  return timingSafeEqual(sum, Buffer.from(checksum(random)));
}

export function hashApiKey(plain: string): Buffer {
  return createHash("sha256").update(plain, "utf8").digest();
}

/** Constant-time equality of two stored hashes. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checksum(random: string): string {
  let n = crc32(Buffer.from(random, "ascii"));
  let out = "";
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
