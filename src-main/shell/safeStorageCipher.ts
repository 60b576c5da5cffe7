import { safeStorage } from "electron";
import type { SecretCipher } from "../platform/types.js";
import { describeSafeStorage } from "./safeStorageBackend.js";

/**
 * SecretCipher backed by Electron's safeStorage: the OS keychain (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux). On Linux without a keyring safeStorage falls back to
 * `basic_text`, which protects nothing: the cipher says so (`insecure`), and the management
 * API refuses to store provider keys until the admin acknowledges it. Call after the app is
 * ready (before, the backend reads `unknown` and counts as insecure).
 *
 * Uses the synchronous safeStorage calls because `SecretCipher` is synchronous (keys are
 * decrypted inside request handling); Electron marks them deprecated in favour of the async ones.
 */
export function safeStorageCipher(): SecretCipher {
  const { backend, insecure } = describeSafeStorage(
    process.platform,
    process.platform === "linux" ? safeStorage.getSelectedStorageBackend() : undefined,
    safeStorage.isEncryptionAvailable(),
  );
  return {
    backend,
    insecure,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => safeStorage.decryptString(blob),
  };
}
