import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * Benchtop's configuration. Sources, lowest to highest precedence:
 * built-in defaults < config file (`<dataDir>/config.json` or `--config`) < environment
 * (`BENCHTOP_*`) < CLI flags. Every field states its default.
 */
export const ConfigSchema = z.object({
  /** Where the database, owner token, logs and (by default) models live. Defaults to the OS data dir. */
  dataDir: z.string().min(1),
  /** Folder scanned for `*.gguf` files. Defaults to `<dataDir>/models`. */
  modelsDir: z.string().min(1),
  server: z
    .object({
      /** Bind address. Defaults to `127.0.0.1` (loopback only; LAN sharing is opt-in). */
      host: z.string().min(1).default("127.0.0.1"),
      /** TCP port. Defaults to `4747`; `0` picks a free port (tests). */
      port: z.number().int().min(0).max(65535).default(4747),
      /** Largest accepted request body in bytes. Defaults to 8 MiB (room for image parts). */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(8 * 1024 * 1024),
      /** Seconds between `: ping` comments on idle SSE streams. Defaults to `15`. */
      sseHeartbeatS: z.number().positive().default(15),
      /**
       * Extra names this server may be reached by (the `Host` header), besides loopback names and,
       * when sharing on the LAN, this machine's addresses and host name. Defaults to none.
       */
      allowedHosts: z.array(z.string().min(1).max(253)).default([]),
      /**
       * Browser origins allowed to call the API cross-origin (CORS), e.g.
       * `https://notebook.lab.example`. Defaults to none: API clients are not browsers, and the
       * web UI is served from the API's own origin.
       */
      corsOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
      /**
       * Seconds a client has to send a request's headers (Node's `headersTimeout`), which also
       * bounds a connection that sends nothing at all; a slower one gets `408 request_timeout`
       * and is disconnected. Defaults to `30`.
       */
      headersTimeoutS: z.number().positive().max(3600).default(30),
      /**
       * Seconds an authenticated `/v1` or `/manage/v1` request's body has to arrive once its
       * headers are in; a slower one gets `408 request_timeout` and is disconnected. No other
       * body is read at all (an unauthenticated request is answered before its body). Defaults to
       * `60`: the 8 MiB body limit at about 1 Mbit/s.
       */
      bodyTimeoutS: z.number().positive().max(3600).default(60),
      /**
       * Seconds to receive a whole request, headers and body, on any route (Node's
       * `requestTimeout`): the backstop behind the two above, for whatever they do not cover.
       * It ends when the request is in, so it never cuts a streamed answer. Defaults to `120`.
       */
      requestTimeoutS: z.number().positive().max(3600).default(120),
      /** Seconds an idle keep-alive connection stays open between requests. Defaults to `65`. */
      keepAliveTimeoutS: z.number().positive().max(3600).default(65),
      /**
       * Open connections one client address may hold at once; more are answered
       * `429 too_many_connections` (with `retry-after: 1`) and closed. `0` turns the cap off.
       * Defaults to `64`, well above what an SDK's pool or a browser (6 per host) opens.
       */
      maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(64),
      /**
       * Whether the cap also applies to connections from this machine (loopback). Defaults to
       * `false`: the desktop window, local scripts and benchmarks, and a reverse proxy or SSH
       * tunnel on this machine that relays the whole lab all come from loopback, and anything
       * on this machine can already do more harm than open sockets.
       */
      capLoopbackConnections: z.boolean().default(false),
    })
    .prefault({}),
  engine: z
    .object({
      /**
       * llama.cpp threads. Defaults to the number of physical cores. node-llama-cpp's own default,
       * max(cores, 4), was measured to make decode ~15x slower on a 2-core machine.
       */
      threads: z.number().int().min(1).max(512).optional(),
      /** GPU backend: `auto` (detect), `false` (CPU only), or a backend name. Defaults to `auto`. */
      gpu: z
        .union([z.literal("auto"), z.literal(false), z.enum(["cuda", "vulkan", "metal"])])
        .default("auto"),
      /**
       * Which llama.cpp binary the engine host loads: `auto` (the default) takes the native build
       * made by `npm run build:native-engine` (this CPU's instructions, OpenMP) when there is one,
       * else node-llama-cpp's prebuilt binary; `prebuilt` always the prebuilt one; `native` only
       * the native build (the host fails to start without it). Nothing is ever compiled at run time.
       */
      binary: z.enum(["auto", "prebuilt", "native"]).default("auto"),
      /**
       * Context tokens per sequence for models without their own setting (Models page,
       * `PATCH /manage/v1/models/{id}/settings`). Defaults to `"auto"`: the largest context that
       * fits free memory for the model's sequences, up to its training context. A number is
       * capped by the training context. Prompt + max_tokens above it gets
       * `400 context_length_exceeded`.
       */
      contextSize: z
        .union([
          z.literal("auto"),
          z
            .number()
            .int()
            .min(64)
            .max(1 << 24),
        ])
        .default("auto"),
      /** Parallel sequences per loaded model (requests batched together). Defaults to `4`. */
      sequences: z.number().int().min(1).max(64).default(4),
      /**
       * Requests one member may have waiting for a free sequence per model before their next is
       * refused with `429 queue_full` (a member's `max_queued` limit overrides it). Defaults to `64`.
       */
      maxQueue: z.number().int().min(0).max(100_000).default(64),
      /** Seconds an idle model stays loaded. `0` keeps it until shutdown. Defaults to `900`. */
      idleTtlS: z.number().min(0).default(900),
      /** Models resident at once; the least recently used idle one is unloaded. Defaults to `2`. */
      maxLoadedModels: z.number().int().min(1).max(64).default(2),
      /**
       * MiB of RAM + VRAM all loaded models may occupy together: before a load, least recently used
       * idle models are unloaded until the new one's estimated need fits. Unset (the default): the
       * free RAM and VRAM the engine host reports at load time is the budget.
       */
      memoryBudgetMb: z.number().positive().optional(),
      /** Seconds to wait before restarting a dead engine host (doubles per crash, max 30). Defaults to `0.2`. */
      restartDelayS: z.number().min(0).default(0.2),
    })
    .prefault({}),
  chat: z
    .object({
      /**
       * Bytes of saved chat text one member may keep over all their conversations: saved chats
       * are the one place a member writes without a budget, and a full disk stops the ledger for
       * everyone. Defaults to 256 MiB.
       */
      maxStoredBytesPerMember: z
        .number()
        .int()
        .min(0)
        .default(256 * 1024 * 1024),
    })
    .prefault({}),
  /** Stored Responses API responses (`POST /v1/responses` with `store`, its default). */
  responses: z
    .object({
      /**
       * Days a stored response can be retrieved or continued (`previous_response_id`) before the
       * retention sweep deletes it. Defaults to `30` (OpenAI keeps them 30 days).
       */
      ttlDays: z.number().int().min(1).max(3650).default(30),
      /**
       * Bytes of stored responses one member may keep: beyond it, their oldest are deleted to
       * make room (stored responses are a cache of conversations, not a record). Each holds its
       * whole conversation, so a long agent session stores its history many times over.
       * Defaults to 256 MiB.
       */
      maxStoredBytesPerMember: z
        .number()
        .int()
        .min(0)
        .default(256 * 1024 * 1024),
    })
    .prefault({}),
  pools: z
    .object({
      /**
       * Seconds between active probes of remote targets whose circuit breaker has cooled down: each
       * such key is checked with a model listing before member traffic is sent to it again. Only
       * broken targets are probed, never healthy or idle ones. `0` turns probing off (the first
       * real request is then the half-open probe). Defaults to `10`.
       */
      probeIntervalS: z.number().min(0).default(10),
    })
    .prefault({}),
  storage: z
    .object({
      /**
       * Seconds between checks, while the database's disk is full, of whether space came back
       * (one small write through SQLite each). Defaults to `5`. Service also resumes at the
       * first request whose admission the disk takes.
       */
      probeIntervalS: z.number().positive().default(5),
    })
    .prefault({}),
  log: z
    .object({
      /** pino level. Defaults to `info`. */
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Overrides from the CLI; each maps onto one config field. */
export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: string | number;
  dataDir?: string;
  modelsDir?: string;
  threads?: string | number;
  logLevel?: string;
}

/** The OS's per-user data folder for Benchtop (what Electron's `app.getPath("userData")` would pick). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (process.platform === "win32") {
    return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "Benchtop");
  }
  if (process.platform === "darwin") {
    return path.join(home, "Library", "Application Support", "Benchtop");
  }
  return path.join(env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "benchtop");
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Resolves the configuration from defaults, file, environment and flags, and validates it.
 * Throws `ConfigError` with every problem listed when a value is invalid.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.BENCHTOP_DATA_DIR ?? defaultDataDir(env));
  const file = readConfigFile(flags.config ?? env.BENCHTOP_CONFIG, dataDir);

  const merged = structuredClone(file) as Record<string, Record<string, unknown> | unknown>;
  const section = (name: string): Record<string, unknown> => {
    const existing = merged[name];
    if (existing && typeof existing === "object") return existing as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    merged[name] = created;
    return created;
  };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };

  merged.dataDir = dataDir;
  const modelsDir =
    flags.modelsDir ?? env.BENCHTOP_MODELS_DIR ?? (file.modelsDir as string | undefined);
  merged.modelsDir = path.resolve(dataDir, modelsDir ?? "models");
  set(section("server"), "host", flags.host ?? env.BENCHTOP_HOST);
  set(section("server"), "port", toNumber(flags.port ?? env.BENCHTOP_PORT, "port"));
  set(section("engine"), "threads", toNumber(flags.threads ?? env.BENCHTOP_THREADS, "threads"));
  set(section("log"), "level", flags.logLevel ?? env.BENCHTOP_LOG_LEVEL);

  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(root)"}: ${i.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}

function readConfigFile(explicit: string | undefined, dataDir: string): Record<string, unknown> {
  const file = explicit ? path.resolve(explicit) : path.join(dataDir, "config.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(`Config file ${file} must hold a JSON object`);
    }
    return value as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function toNumber(value: string | number | undefined, name: string): number | undefined {
  if (value === undefined || typeof value === "number") return value;
  if (!/^\d+$/.test(value.trim()))
    throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}
