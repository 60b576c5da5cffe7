import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { LoadedModelStatus, LocalEngine } from "../engine/LocalEngine.js";
import { ApiError } from "../gateway/errors.js";
import type { ClientSnapshot } from "../server/clientTracker.js";
import type { BenchtopServer } from "../server/createServer.js";
import type { Db } from "../store/db.js";
import type { KeysRepo } from "../store/keysRepo.js";
import { RetentionSweeper } from "../store/retentionSweep.js";
import type { SettingsRepo } from "../store/settingsRepo.js";
import {
  allowedHostNames,
  isLoopbackHost,
  lanRefusalMessage,
  shareUrls,
  type ShareUrl,
} from "./hostNames.js";

/** Settings keys (the `settings` table). */
export const API_PAUSED_SETTING = "server.api_paused";
export const IDLE_TTL_SETTING = "engine.idle_ttl_s";
export const RETENTION_DAYS_SETTING = "data.retention_days";

export interface ServerControlOptions {
  /** The HTTP server (read lazily: it is built after, and reads, this object). */
  server: () => BenchtopServer;
  db: Db;
  keys: KeysRepo;
  settings: SettingsRepo;
  engine: LocalEngine;
  /** The configured bind address and port (`config.server`). */
  host: string;
  port: number;
  /** Extra `Host` names from the config (`server.allowedHosts`). */
  allowedHosts: readonly string[];
  /** The config file a moved bind address and port are written to, so the next start uses them. */
  configFile: string;
  /** The org's month ("YYYY-MM") at an instant: retention never deletes the current month. */
  monthOf: (ms: number) => string;
  now?: () => number;
  log: Logger;
}

/** Where the API listens. */
export interface Binding {
  host: string;
  port: number;
  /** Bound beyond loopback. */
  lan: boolean;
}

const conflict = (message: string, code: string, param: string | null = null) =>
  new ApiError(409, "invalid_request_error", message, code, param);

/**
 * The server's run-time controls: where it listens (and moving that without a restart), the
 * `Host` names it answers to, the API pause switch, the model idle TTL and usage retention.
 * The bind address is persisted in the config file; the rest in the settings table.
 */
export class ServerControl {
  readonly startedMs = Date.now();
  readonly sweeper: RetentionSweeper;
  private host: string;
  private port: number;
  private names: ReadonlySet<string>;
  private paused: boolean;
  private moving = false;

  constructor(private readonly opts: ServerControlOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.names = allowedHostNames(opts.host, opts.allowedHosts);
    this.paused = opts.settings.get<boolean>(API_PAUSED_SETTING) === true;
    const ttl = opts.settings.get<number>(IDLE_TTL_SETTING);
    if (ttl !== undefined) opts.engine.setIdleTtlS(ttl);
    this.sweeper = new RetentionSweeper({
      db: opts.db,
      retentionDays: () => this.retentionDays(),
      monthOf: opts.monthOf,
      now: opts.now,
      log: opts.log,
    });
  }

  get lan(): boolean {
    return !isLoopbackHost(this.host);
  }

  binding(): Binding {
    return { host: this.host, port: this.port, lan: this.lan };
  }

  /** The `Host` names the server answers to now. */
  hostNames(): ReadonlySet<string> {
    return this.names;
  }

  /** The port in every allowed `Host` header (the bound one once listening). */
  listenPort(): number {
    return this.port;
  }

  /** This machine's own URL for the API: loopback even when bound to every interface. */
  get url(): string | undefined {
    const bound = this.opts.server().bound;
    if (!bound) return undefined;
    if (this.host === "0.0.0.0") return `http://127.0.0.1:${bound.port}`;
    if (this.host === "::") return `http://[::1]:${bound.port}`;
    return bound.url;
  }

  /** Open connections and requests in flight. */
  clients(): ClientSnapshot {
    return this.opts.server().clients();
  }

  /** Each loaded model's sequences and queue. */
  engineStatus(): { maxQueue: number; models: LoadedModelStatus[] } {
    return { maxQueue: this.opts.engine.maxQueue, models: this.opts.engine.status() };
  }

  shareUrls(): ShareUrl[] {
    return shareUrls(this.host, this.port);
  }

  /** Binds the configured address; beyond loopback only while a member has a live key. */
  async listen(): Promise<void> {
    this.refuseLanWithoutMemberKeys(this.host);
    const bound = await this.opts.server().listen(this.host, this.port);
    this.port = bound.port;
    if (this.lan)
      this.opts.log.warn(
        { url: this.url },
        "sharing on the LAN over plain HTTP: keys travel unencrypted",
      );
    this.sweeper.start();
  }

  /**
   * Moves the listener: `lan` true binds `0.0.0.0` (kept as is when already beyond loopback),
   * false binds `127.0.0.1`; `port` 0 picks a free one. Throws 409 when the LAN is refused
   * (no member key, the rule at start) or the port is taken, 400 when the OS refuses the
   * address; nothing changes then. Returns the binding before and after.
   */
  async move(want: { lan?: boolean; port?: number }): Promise<{ before: Binding; after: Binding }> {
    const before = this.binding();
    const host =
      want.lan === undefined || want.lan === before.lan
        ? this.host
        : want.lan
          ? "0.0.0.0"
          : "127.0.0.1";
    const port = want.port ?? before.port;
    if (host === before.host && port === before.port) return { before, after: before };
    if (this.moving)
      throw conflict("The server is already moving to another address.", "server_busy");
    this.refuseLanWithoutMemberKeys(host);
    this.moving = true;
    try {
      const bound = await this.opts.server().rebind(host, port);
      this.host = host;
      this.port = bound.port;
      this.names = allowedHostNames(host, this.opts.allowedHosts);
    } catch (err) {
      throw bindError(err, port);
    } finally {
      this.moving = false;
    }
    const after = this.binding();
    this.opts.log.info({ before, after }, "server moved");
    if (after.lan)
      this.opts.log.warn(
        { url: this.url },
        "sharing on the LAN over plain HTTP: keys travel unencrypted",
      );
    return { before, after };
  }

  /**
   * Writes the binding into the config file (other fields and its permissions kept), so the next
   * start listens there too. Flags and environment variables still win over the file at start.
   */
  persist(b: Binding): void {
    const file = this.opts.configFile;
    let data: Record<string, unknown> = {};
    if (fs.existsSync(file)) {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error(`Config file ${file} must hold a JSON object`);
      data = parsed as Record<string, unknown>;
    }
    const server = data.server;
    data.server = {
      ...(server && typeof server === "object" && !Array.isArray(server) ? server : {}),
      host: b.host,
      port: b.port,
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The existing file's permissions (a new file is the owner's alone: 0600). The temporary file
    // has a fresh name and is created exclusively, so nothing already there (a planted link) is
    // written through; it is on disk before it replaces the file, so a crash leaves one or the
    // other whole.
    const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o600;
    const tmp = `${file}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    const fd = fs.openSync(tmp, "wx", mode);
    try {
      try {
        fs.writeFileSync(fd, `${JSON.stringify(data, null, 2)}\n`);
        fs.fchmodSync(fd, mode); // the umask may have narrowed it
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** Whether `/v1` answers `503 server_paused` (read on every request: kept in memory). */
  get apiPaused(): boolean {
    return this.paused;
  }

  /** Stores the pause switch; call inside the mutation's transaction, then `applyApiPaused`. */
  storeApiPaused(paused: boolean): void {
    this.opts.settings.set(API_PAUSED_SETTING, paused);
  }

  /** Applies the committed pause switch. */
  applyApiPaused(): void {
    this.paused = this.opts.settings.get<boolean>(API_PAUSED_SETTING) === true;
  }

  /** Seconds an idle model stays loaded: the stored setting, else the config's value. */
  idleTtlS(): number {
    return this.opts.settings.get<number>(IDLE_TTL_SETTING) ?? this.opts.engine.idleTtlS;
  }

  /** Applies the committed idle TTL to the engine. */
  applyIdleTtl(): void {
    this.opts.engine.setIdleTtlS(this.idleTtlS());
  }

  /** Days of usage kept; `null` keeps it forever (the default). */
  retentionDays(): number | null {
    return this.opts.settings.get<number | null>(RETENTION_DAYS_SETTING) ?? null;
  }

  close(): void {
    this.sweeper.close();
  }

  private refuseLanWithoutMemberKeys(host: string): void {
    if (!isLoopbackHost(host) && this.opts.keys.countLiveMemberKeys() === 0)
      throw conflict(lanRefusalMessage(host), "lan_requires_member_key", "lan");
  }
}

/** A listen error as the API error the owner sees; nothing was moved. */
function bindError(err: unknown, port: number): Error {
  switch ((err as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return conflict(`Port ${port} is already in use on this machine.`, "port_in_use", "port");
    case "EACCES":
      return new ApiError(
        400,
        "invalid_request_error",
        `Benchtop may not listen on port ${port} (ports below 1024 need privileges).`,
        "port_not_allowed",
        "port",
      );
    case "EADDRNOTAVAIL":
      return new ApiError(
        400,
        "invalid_request_error",
        "That address is not one of this machine's.",
        "address_not_available",
        "lan",
      );
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
