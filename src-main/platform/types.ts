import type { HostConfig, HostMessage, HostRequest } from "../engine/protocol.js";

/** A running engine host process, whatever started it. */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(message: HostRequest): void;
  onMessage(listener: (message: HostMessage) => void): void;
  /** Called once when the process has exited, for any reason. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Forcefully stops the process (SIGKILL where that exists). */
  kill(): void;
}

/**
 * Starts engine host processes. Headless Benchtop forks a Node child process
 * (`nodeEngineSpawner`); the desktop app uses Electron's `utilityProcess` (src-main/shell).
 */
export interface EngineSpawner {
  spawn(config: HostConfig): EngineProcess;
}

/** What the shell (Electron) or the headless CLI provides to the core. */
export interface Platform {
  engineSpawner: EngineSpawner;
}
