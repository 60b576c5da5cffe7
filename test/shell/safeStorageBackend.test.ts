import { describe, expect, it } from "vitest";
import { describeSafeStorage } from "../../src-main/shell/safeStorageBackend.js";

describe("describeSafeStorage", () => {
  it("trusts the OS keychains", () => {
    expect(describeSafeStorage("darwin", undefined, true)).toEqual({
      backend: "safeStorage (keychain)",
      insecure: false,
    });
    expect(describeSafeStorage("win32", undefined, true)).toEqual({
      backend: "safeStorage (dpapi)",
      insecure: false,
    });
    for (const linux of ["gnome_libsecret", "kwallet", "kwallet5", "kwallet6"])
      expect(describeSafeStorage("linux", linux, true)).toEqual({
        backend: `safeStorage (${linux})`,
        insecure: false,
      });
  });

  it("marks Linux's basic_text (no keyring) insecure, so storing provider keys is refused until acknowledged", () => {
    expect(describeSafeStorage("linux", "basic_text", true)).toEqual({
      backend: "safeStorage (basic_text)",
      insecure: true,
    });
  });

  it("marks an unknown backend or unavailable encryption insecure", () => {
    expect(describeSafeStorage("linux", "unknown", true).insecure).toBe(true);
    expect(describeSafeStorage("linux", undefined, true).insecure).toBe(true);
    expect(describeSafeStorage("freebsd", undefined, true).insecure).toBe(true);
    expect(describeSafeStorage("darwin", undefined, false)).toEqual({
      backend: "safeStorage (keychain, unavailable)",
      insecure: true,
    });
  });
});
