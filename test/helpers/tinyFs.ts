import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A real, small filesystem that a test can fill up and free again: a tmpfs mounted with
 * `size=`, so writes past it fail with the kernel's own ENOSPC (SQLite turns that into
 * SQLITE_FULL). Mounting needs root (CAP_SYS_ADMIN); elsewhere `canMountTinyFs` is false and
 * the tests that need one are skipped.
 *
 * Why not a user namespace (`unshare -rm`) for non-root runs: the test process itself cannot
 * enter one (Node is multi-threaded), and reaching the mount through `/proc/<pid>/root` does not
 * work for SQLite, which resolves that link to `/` and would open a file on the real disk.
 */
export interface TinyFs {
  /** The mount point (empty at first). */
  dir: string;
  /** Writes a filler file until the filesystem refuses with ENOSPC. Returns the bytes written. */
  fill(): number;
  /** Deletes the filler: the space comes back. */
  free(): void;
  /** Unmounts and removes the mount point (whatever is left in it is gone). */
  unmount(): void;
}

export const canMountTinyFs: boolean = (() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    const fsys = mountTinyFs(64 * 1024);
    fsys.unmount();
    return true;
  } catch {
    return false;
  }
})();

/** Mounts a tmpfs of `bytes` (rounded up to pages by the kernel) on a fresh temp folder. */
export function mountTinyFs(bytes: number): TinyFs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-tinyfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir], {
      stdio: "ignore",
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const filler = path.join(dir, "filler");
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, "a");
      const chunk = Buffer.alloc(64 * 1024);
      let written = 0;
      try {
        for (;;) {
          // Down to single bytes, so not even a partial page is left free.
          let size = chunk.length;
          for (;;) {
            try {
              written += fs.writeSync(fd, chunk, 0, size);
              break;
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
              if (size === 1) return written;
              size = Math.max(1, Math.floor(size / 2));
            }
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
