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

/**
 * Encrypts secrets at rest (provider API keys). Headless Benchtop uses an AES-256-GCM key file
 * in the data dir (`keyFileCipher`); the desktop app uses Electron's safeStorage (the OS
 * keychain). Plain keys exist only in memory, never in the database.
 */
export interface SecretCipher {
  /** What protects the secrets, e.g. `aes-256-gcm key file` or `safeStorage (gnome_libsecret)`. */
  readonly backend: string;
  /**
   * True when the backend does not really protect secrets (safeStorage's `basic_text` on Linux
   * without a keyring): the admin is warned before provider keys are stored.
   */
  readonly insecure: boolean;
  encrypt(plain: string): Buffer;
  /** Throws if the blob was not produced by this cipher's key (tampered, or another machine). */
  decrypt(blob: Buffer): string;
}

/** A native notification: one short title and one or two sentences of body. */
export interface NotificationMessage {
  title: string;
  body: string;
}

/**
 * Shows native OS notifications (spend alerts). The desktop app uses Electron's `Notification`
 * (src-main/shell); headless Benchtop has none and reports the same events in its log and on the
 * `/manage/v1/events` stream.
 */
export interface Notifier {
  /** Shows `message`; does nothing where the OS cannot show notifications. Never throws. */
  notify(message: NotificationMessage): void;
}

/** What the shell (Electron) or the headless CLI provides to the core. */
export interface Platform {
  engineSpawner: EngineSpawner;
  secretCipher: SecretCipher;
}
