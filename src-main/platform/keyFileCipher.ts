import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import type { SecretCipher } from "./types.js";

/** Blob layout version, so the format can change without guessing. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * SecretCipher for headless Benchtop: AES-256-GCM with a random 32-byte key kept in `file`
 * (mode 0600, created on first use). It protects the database file (copied, backed up, or
 * attached to a bug report) from revealing provider keys; it does not protect against someone
 * who can read the data dir as this user — the desktop app's safeStorage cipher does better.
 * Blob: version (1) | IV (12) | auth tag (16) | ciphertext.
 */
export function keyFileCipher(file: string): SecretCipher {
  const key = loadOrCreateKey(file);
  return {
    backend: "aes-256-gcm key file",
    insecure: false,
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    decrypt(blob) {
      if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== VERSION)
        throw new Error("not a Benchtop secret blob");
      const iv = blob.subarray(1, 1 + IV_BYTES);
      const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAuthTag(tag);
      const body = blob.subarray(1 + IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    },
  };
}

function loadOrCreateKey(file: string): Buffer {
  try {
    const key = fs.readFileSync(file);
    if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const key = randomBytes(32);
  // wx: never overwrite a key another process just wrote (it would orphan its secrets).
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateKey(file);
    throw err;
  }
}
