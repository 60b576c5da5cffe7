import type { Logger } from "pino";
import type { EngineState } from "../contract/health.js";
import type { EngineProcess, EngineSpawner } from "../platform/types.js";
import type { HostConfig, HostInfo, HostMessage, HostRequest } from "./protocol.js";

type Listener = (message: HostMessage) => void;
type HostRequestBody = HostRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, "id">
    : never
  : never;

export interface SupervisorOptions {
  spawner: EngineSpawner;
  config: HostConfig;
  log: Logger;
  /** Seconds before restarting a dead host; doubles per consecutive crash up to 30 s. */
  restartDelayS: number;
  /** Milliseconds to wait for `ready` before giving up on a start. Defaults to `60000`. */
  startTimeoutMs?: number;
}

/** The engine host's life cycle, as `/health` reports it (defined once, in the contract). */
export type HostState = EngineState;

/**
 * Owns the engine host process: starts it, routes replies to the request that asked, and
 * restarts it when it dies. Every request outstanding at a death gets an `engine_unavailable`
 * error, so no caller waits forever.
 */
export class HostSupervisor {
  private proc?: EngineProcess;
  private starting?: Promise<HostInfo>;
  private info?: HostInfo;
  private readonly listeners = new Map<number, Listener>();
  private nextId = 1;
  private crashes = 0;
  private restartTimer?: NodeJS.Timeout;
  private readonly exitListeners: Array<() => void> = [];
  private closed = false;
  /** Number of times a host process has died unexpectedly since the core started. */
  deaths = 0;

  constructor(private readonly opts: SupervisorOptions) {}

  get state(): HostState {
    if (this.closed) return "closed";
    if (this.info) return "running";
    if (this.starting) return "starting";
    return this.restartTimer ? "restarting" : "stopped";
  }

  get hostInfo(): HostInfo | undefined {
    return this.info;
  }

  /** Called after each unexpected death (loaded models are gone with the process). */
  onHostExit(listener: () => void): void {
    this.exitListeners.push(listener);
  }

  /** Starts the host if it is not running; concurrent callers share one start. */
  ensureStarted(): Promise<HostInfo> {
    if (this.closed) return Promise.reject(new Error("engine closed"));
    if (this.info) return Promise.resolve(this.info);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Sends a request; `listener` receives every message carrying its id until `release`. */
  request(body: HostRequestBody, listener: Listener): { id: number; release: () => void } {
    const id = this.nextId++;
    this.listeners.set(id, listener);
    if (this.proc) {
      this.proc.send({ ...body, id } as HostRequest);
    } else {
      // The host died between ensureStarted() and now: answer instead of waiting forever.
      queueMicrotask(() =>
        this.listeners.get(id)?.({
          type: "error",
          id,
          error: { code: "engine_unavailable", message: "The engine host is restarting." },
        }),
      );
    }
    return { id, release: () => this.listeners.delete(id) };
  }

  /** Fire-and-forget message (abort). */
  notify(message: HostRequest): void {
    this.proc?.send(message);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill();
        resolve();
      }, 5000);
      timer.unref();
      proc.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      proc.send({ type: "shutdown" });
    });
  }

  private start(): Promise<HostInfo> {
    const { spawner, config, log } = this.opts;
    const proc = spawner.spawn(config);
    this.proc = proc;
    return new Promise<HostInfo>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        log.error("engine host did not become ready in time; killing it");
        proc.kill();
      }, this.opts.startTimeoutMs ?? 60_000);
      timer.unref();
      proc.onMessage((message) => {
        if (message.type === "ready") {
          ready = true;
          clearTimeout(timer);
          this.info = message.info;
          log.info({ host: message.info }, "engine host ready");
          resolve(message.info);
          return;
        }
        if (message.type === "fatal") {
          log.error({ reason: message.message }, "engine host failed to start");
          return;
        }
        this.listeners.get(message.id)?.(message);
      });
      proc.onExit((code, signal) => {
        clearTimeout(timer);
        if (this.proc === proc) this.proc = undefined;
        this.info = undefined;
        if (!ready)
          reject(
            new Error(`engine host exited before it was ready (code ${code}, signal ${signal})`),
          );
        this.handleExit(code, signal, ready);
      });
    });
  }

  private handleExit(code: number | null, signal: string | null, wasReady: boolean): void {
    const orphans = [...this.listeners.entries()];
    this.listeners.clear();
    for (const [id, listener] of orphans) {
      listener({
        type: "error",
        id,
        error: {
          code: "engine_unavailable",
          message: "The engine host stopped; it is being restarted.",
        },
      });
    }
    if (this.closed) return;
    this.deaths++;
    this.crashes = wasReady ? 1 : this.crashes + 1;
    this.opts.log.warn(
      { code, signal, inFlight: orphans.length },
      "engine host exited; restarting",
    );
    for (const l of this.exitListeners) l();
    const delayMs = Math.min(30_000, this.opts.restartDelayS * 1000 * 2 ** (this.crashes - 1));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.ensureStarted().catch((err: unknown) =>
        this.opts.log.error({ err: (err as Error).message }, "engine host restart failed"),
      );
    }, delayMs);
    this.restartTimer.unref();
  }
}
