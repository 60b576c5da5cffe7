import { Decompress } from "fzstd";
import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * patches/fzstd+0.1.1.patch: the streaming decoder's window limit, and its window kept in a buffer
 * twice its size instead of shifted by the whole window size for every block. Both fail unpatched.
 */
const frame = (windowLog: number, blocks: Buffer[]) =>
  Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3]), ...blocks]);
const raw = (data: Buffer, last: boolean) => {
  const v = (data.length << 3) | (last ? 1 : 0);
  return Buffer.concat([Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]), data]);
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("fzstd, patched", () => {
  it("refuses a frame whose window is above maxWindowSize, before allocating it", () => {
    const d = new Decompress(() => {}, 8 * 1024 * 1024);
    expect(() => d.push(frame(30, [raw(Buffer.from("x"), true)]), true)).toThrow(
      "window size 1073741824 above the limit of 8388608",
    );
    // At the limit it decodes.
    const out: Uint8Array[] = [];
    new Decompress((c) => out.push(c), 8 * 1024 * 1024).push(
      frame(23, [raw(Buffer.from("ok"), true)]),
      true,
    );
    expect(Buffer.concat(out).toString()).toBe("ok");
  });

  it("moves at most about one window per window of output, however small the blocks", () => {
    // 2,000 blocks of 1 byte in a 1 MiB window: upstream moved 1 MiB per block (2 GB here).
    const blocks = Array.from({ length: 2_000 }, (_, i) =>
      raw(Buffer.from([i & 0xff]), i === 1_999),
    );
    const moved: number[] = [];
    const copyWithin = Uint8Array.prototype.copyWithin;
    vi.spyOn(Uint8Array.prototype, "copyWithin").mockImplementation(function (
      this: Uint8Array,
      target: number,
      start: number,
      end?: number,
    ) {
      moved.push((end ?? this.length) - start);
      return copyWithin.call(this, target, start, end);
    });
    const out: Uint8Array[] = [];
    new Decompress((c) => out.push(c), 8 * 1024 * 1024).push(frame(20, blocks), true);
    expect(Buffer.concat(out)).toEqual(
      Buffer.from(Array.from({ length: 2_000 }, (_, i) => i & 0xff)),
    );
    // 2 KB of output never fills the 2 MiB buffer: nothing is moved at all.
    expect(moved.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("keeps back-references across blocks correct while the window moves", () => {
    // 1 KiB of noise repeated 1,024 times, encoded by the zstd 1.5 CLI (-3, window 128 KiB): every
    // block starts with matches into the previous one (read from the window), and the window's
    // 256 KiB buffer moves every 128 KiB of output.
    const unit = Buffer.from(
      Array.from({ length: 1024 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff),
    );
    const input = Buffer.concat(Array.from({ length: 1024 }, () => unit));
    const encoded = Buffer.from(
      "KLUv/YQ4AAAQAAwaAHQvnjzaeBe1U/GPLsxqCKdF44Efvlz6mDbVcxGvTuyKKMZlA6E/3nwauFb1kzHPbQyqSOaFI8Ff/Zw6" +
        "2HYVs1HvjSzKaAakQ+F/Hbxa+JY003EPrUvqiCbEYwGfPdt6GLZU85EvzWsKqEbkgiG/XfuaONZ0ErFP7YsqyGYEokHffRu5" +
        "WPaUMtFvDatJ6IYkwmD/nTvZeBa0UvCPLctpCKZE4oAfvVv5lzbUchCvTeuJJ8ZkAqA/3XsZt1b0kjDObQupR+aEIsBe/Zs5" +
        "13UUslDujSvJZwWkQuB+HbtZ95U00nAOrEvphyXEYgCePNt5F7VU8pAuzGsJp0XjgiC+XPuZN9VzErBO7Iopx2UDokDefBq5" +
        "V/WTMtBuDKpJ54UjwWD+nDrZdxWzUfCOLMppB6VD4YAevFr4lzXTcRCuTOqIJ8VjAZ8+3HoYt1XzkS/ObAqoR+WDIb9e/Jo4" +
        "1nUTsU/ujCrIZgWjQd9+HLpY9pUz0W8NrErohiXDYf+dPNp4FrRT8Y8tzGoIpkTjgR+9XPqYNtRzEa9N64ooxmQDoT/dexq4" +
        "VvSTMc9tC6pI5oQiwV/9mzrYdhSyUe+NK8loBqRC4X8du1n4ljTScQ+tS+mIJsRiAJ8923kYtlTykC/NawmoRuSCIL9d+5k3" +
        "1nQSsE/tiynHZgSiQN99G7lX9pQy0G4Nq0nnhiTCYP6dO9l3FbRS8I4ty2kHpUTigB69W/mXNdRyEK5M64knxWQCoD7cexm3" +
        "VfSSMM5sC6lH5YMiwF78mznXdROyUO6MKslnBaNC4H4culn3lTPScA6sSumHJcNhAJ482nkXtVPxkC7MagmnReOBIL5c+pg3" +
        "1XMRsE7siijHV24Mqkjn/o6lQ+F/HjVM6ogmxdxsgyG/XfwTo7pY9pQzSmH/nTva8YGYNtRyESi4z20LqUhfdhSyUO8Glq1L" +
        "6YcmPc3kgiC+XXSLKcdlBBurwmD+nDtS4vmXNdNyiaA+3HoZMMDXdROxUGf3DqxK6Ieepk3dMyDw9Tn9+wNkee8d9k4WLJ4g" +
        "dEMDIxEaLF4QukIDIxEaLF4QuqGBkRgaLF4QuqGBkQgNFm8QuqGBkQgNFi8I3dAeWEFlCJkGVAAAEJ48AQD7/znAAlQAABCe" +
        "PAEA+/85wAJUAAAQnjwBAPv/OcACVAAAEJ48AQD7/znAAlQAABCePAEA+/85wAJUAAAQnjwBAPv/OcACVQAAEJ48AQD7/znA" +
        "ApAXunI=",
      "base64",
    );
    const out: Uint8Array[] = [];
    const d = new Decompress((c) => out.push(c), 8 * 1024 * 1024);
    // Fed in 100-byte pieces, as a request body arrives.
    for (let i = 0; i < encoded.length; i += 100) d.push(encoded.subarray(i, i + 100), false);
    d.push(new Uint8Array(0), true);
    expect(Buffer.concat(out).equals(input)).toBe(true);
  });
});
