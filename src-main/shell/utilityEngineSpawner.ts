import { utilityProcess } from "electron";
import { engineHostEntry } from "../engine/hostEntry.js";
import type { HostConfig, HostMessage } from "../engine/protocol.js";
import type { EngineProcess, EngineSpawner } from "../platform/types.js";

/**
 * Starts the engine host as an Electron utility process: a Node process that Electron supervises
 * and lists in `app.getAppMetrics()` as `benchtop-engine`. Messages travel over its parent port
 * (`process.parentPort` in the host); stdout is dropped and stderr (llama.cpp errors) goes to
 * `onStderr` line by line, as with the headless `nodeEngineSpawner`.
 *
 * Must be called after `app` is ready (`utilityProcess.fork` refuses earlier).
 */
export function utilityEngineSpawner(onStderr?: (line: string) => void): EngineSpawner {
  return {
    spawn(config: HostConfig): EngineProcess {
      const entry = engineHostEntry();
      const child = utilityProcess.fork(entry.path, [JSON.stringify(config)], {
        serviceName: "benchtop-engine",
        execArgv: entry.execArgv,
        // stdin must be "ignore" for a utility process. stdout is dropped rather than piped, so an
        // unread pipe can never fill up and stall the host.
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) if (line.trim()) onStderr?.(line);
      });
      // A fatal V8 error in the host; the `exit` event follows and reports the death.
      child.on("error", (type, location) => onStderr?.(`${type} at ${location}`));
      let exited = false;
      child.once("exit", () => {
        exited = true;
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          // Posting to a dead process is dropped here; the exit listener reports the death.
          if (!exited) child.postMessage(message);
        },
        onMessage(listener) {
          child.on("message", (message: unknown) => listener(message as HostMessage));
        },
        onExit(listener) {
          // Electron reports only the exit code; a kill by signal shows up as a non-zero code.
          child.once("exit", (code) => listener(code, null));
        },
        kill() {
          if (!exited) child.kill();
        },
      };
    },
  };
}
