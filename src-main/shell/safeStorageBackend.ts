/**
 * What protects secrets stored through Electron's safeStorage, and whether that is real
 * protection. Pure (no `electron` import) so the rule is tested under Node;
 * `safeStorageCipher.ts` feeds it Electron's answers.
 */
export interface SafeStorageDescription {
  /** E.g. `safeStorage (gnome_libsecret)`; shown to the admin next to stored provider keys. */
  backend: string;
  /**
   * True when secrets would not really be protected: Linux's `basic_text` (no keyring: a key
   * hard-coded in Chromium), `unknown` (asked before the app was ready), or no encryption at all.
   * The management API then refuses to store provider keys unless the admin acknowledges it
   * (409 `insecure_secret_storage`).
   */
  insecure: boolean;
}

/**
 * `linuxBackend` is `safeStorage.getSelectedStorageBackend()` (Linux only); macOS always uses the
 * Keychain and Windows DPAPI.
 */
export function describeSafeStorage(
  platform: NodeJS.Platform,
  linuxBackend: string | undefined,
  encryptionAvailable: boolean,
): SafeStorageDescription {
  const name =
    platform === "darwin"
      ? "keychain"
      : platform === "win32"
        ? "dpapi"
        : platform === "linux"
          ? (linuxBackend ?? "unknown")
          : "unknown";
  return {
    backend: `safeStorage (${name}${encryptionAvailable ? "" : ", unavailable"})`,
    insecure: !encryptionAvailable || name === "basic_text" || name === "unknown",
  };
}
