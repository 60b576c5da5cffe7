import fs from "node:fs/promises";

/**
 * Bytes Benchtop leaves free on the disk that holds the models folder when it writes a model
 * (download or import). The database usually lives on the same disk: a full disk stops the
 * ledger, and with it every request. Defaults to 1 GiB.
 */
export const MIN_FREE_BYTES = 1024 ** 3;

/** Bytes an unprivileged process may still write on `dir`'s disk; Infinity when unknown. */
export async function diskFreeBytes(dir: string): Promise<number> {
  try {
    const s = await fs.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Why `bytes` more do not fit in `room` (free space less the reserve), or null when they do. */
export function notEnoughSpace(bytes: number, room: number, what = "the download"): string | null {
  if (bytes <= room) return null;
  return (
    `Not enough disk space: ${what} needs ${bytes} more bytes, and the disk holding the models ` +
    `folder has ${Math.max(0, room)} bytes free beyond the 1 GiB Benchtop keeps free.`
  );
}

/** The message of a transfer of unknown size stopped at the end of the room. */
export const diskNearlyFull = (written: number) =>
  `The disk holding the models folder is nearly full: stopped after ${written} bytes ` +
  "(Benchtop keeps 1 GiB free). Free some space, then resume.";

/**
 * The bytes a transfer into `dir` may write: the disk's free space less MIN_FREE_BYTES. Throws
 * when `bytes` (the size still to come, when known) does not fit in that.
 */
export async function roomFor(
  dir: string,
  bytes: number | null,
  diskFree: (dir: string) => Promise<number> = diskFreeBytes,
  what?: string,
): Promise<number> {
  const room = (await diskFree(dir)) - MIN_FREE_BYTES;
  const problem = bytes === null ? null : notEnoughSpace(bytes, room, what);
  if (problem) throw new Error(problem);
  return Math.max(0, room);
}
