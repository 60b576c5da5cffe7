import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** The CLI entry, run from sources with tsx (no build needed). */
export const MAIN = path.resolve("src-main/app/main.ts");

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string | null>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

/** Resolves with the URL once the server prints its listening line (bounded: 60 s). */
export function waitForListening(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 60_000);
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (chunk: string) => {
      err += chunk;
      const m = /listening on (http:\/\/[^\s/]+)\/v1/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${err}`));
    });
  });
}

/**
 * `benchtop serve` in a child process on 127.0.0.1 and an ephemeral port. Its stdout (the log)
 * is a pipe that is drained, or the file descriptor `opts.stdout`.
 */
export async function spawnServer(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  opts: { stdout?: number } = {},
): Promise<ChildServer> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "serve", "--port", "0", "--threads", "2", ...args],
    {
      env: { ...process.env, BENCHTOP_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", opts.stdout ?? "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | string | null>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  proc.stdout?.resume();
  let stderr = "";
  proc.stderr!.on("data", (chunk: string | Buffer) => (stderr += chunk.toString()));
  const url = await waitForListening(proc);
  return { proc, url, exited, stderr: () => stderr };
}
