import { safeStorage } from "electron";
import type { SecretCipher } from "../platform/types.js";

/**
 * SecretCipher backed by Electron's safeStorage: the OS keychain (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux). On Linux without a keyring safeStorage falls back to
 * `basic_text`, which protects nothing: the cipher says so (`insecure`), and the management
 * API warns before storing provider keys. Call after the app is ready.
 */
export function safeStorageCipher(): SecretCipher {
  const backend =
    process.platform === "linux"
      ? safeStorage.getSelectedStorageBackend()
      : process.platform === "darwin"
        ? "keychain"
        : "dpapi";
  return {
    backend: `safeStorage (${backend})`,
    insecure: backend === "basic_text" || !safeStorage.isEncryptionAvailable(),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => safeStorage.decryptString(blob),
  };
}
