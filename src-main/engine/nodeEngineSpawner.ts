import { fork } from "node:child_process";
import type { EngineProcess, EngineSpawner } from "../platform/types.js";
import type { HostConfig, HostMessage } from "./protocol.js";
import { engineHostEntry } from "./hostEntry.js";

/**
 * Starts the engine host with `child_process.fork` (headless mode and tests). The child's
 * stdout is ignored and its stderr (llama.cpp errors) is passed to `onStderr`.
 */
export function nodeEngineSpawner(onStderr?: (line: string) => void): EngineSpawner {
  return {
    spawn(config: HostConfig): EngineProcess {
      const entry = engineHostEntry();
      const child = fork(entry.path, [JSON.stringify(config)], {
        execArgv: entry.execArgv,
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        serialization: "advanced",
      });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) if (line.trim()) onStderr?.(line);
      });
      // A send to a process that just died raises EPIPE/ERR_IPC_CHANNEL_CLOSED asynchronously;
      // the exit handler deals with the death, so these are expected and ignored here.
      child.on("error", () => undefined);
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (child.connected) child.send(message, (err) => void err);
        },
        onMessage(listener) {
          child.on("message", (m) => listener(m as HostMessage));
        },
        onExit(listener) {
          child.once("exit", (code, signal) => listener(code, signal));
        },
        kill() {
          child.kill("SIGKILL");
        },
      };
    },
  };
}
