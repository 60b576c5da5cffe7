import { fileURLToPath } from "node:url";
import type { DestinationStream } from "pino";
import { HostSupervisor } from "../engine/HostSupervisor.js";
import { LocalEngine } from "../engine/LocalEngine.js";
import { ModelRegistry } from "../engine/ModelRegistry.js";
import { nodeEngineSpawner } from "../engine/nodeEngineSpawner.js";
import { Gateway } from "../gateway/Gateway.js";
import type { Platform } from "../platform/types.js";
import { localProvider } from "../providers/local/localProvider.js";
import { createServer, type BenchtopServer } from "../server/createServer.js";
import { closeDb, openDb, type Db } from "../store/db.js";
import { ModelsRepo } from "../store/modelsRepo.js";
import type { Config } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { ensurePaths, resolvePaths, type DataPaths } from "./paths.js";
import { physicalCores } from "./threads.js";
import { VERSION } from "./version.js";

export interface CoreOptions {
  config: Config;
  /** OS services. Defaults to headless ones (engine host via child_process.fork). */
  platform?: Partial<Platform>;
  /** Log destination; defaults to stdout. */
  logDestination?: DestinationStream;
  /** Start listening. Defaults to `true`. */
  listen?: boolean;
  /** Built renderer to serve at `/`. Defaults to `dist/renderer` of this checkout/package. */
  rendererDir?: string;
}

export interface Core {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly db: Db;
  readonly engine: LocalEngine;
  readonly gateway: Gateway;
  readonly server: BenchtopServer;
  /** Where the API listens, e.g. `http://127.0.0.1:4747` (set when `listen` is true). */
  readonly url?: string;
  /** Stops in order: server (in-flight requests finish) → engine → store. Safe to call twice. */
  close(): Promise<void>;
}

/** The one composition root: every long-lived object is built here from explicit dependencies. */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const { config } = opts;
  const log = createLogger({ level: config.log.level, destination: opts.logDestination });
  const paths = resolvePaths(config.dataDir, config.modelsDir);
  ensurePaths(paths);
  const db = openDb(paths.db, { log: log.child({ mod: "store" }) });
  const modelsRepo = new ModelsRepo(db);

  const threads = config.engine.threads ?? physicalCores();
  const registry = new ModelRegistry({
    modelsDir: paths.modelsDir,
    log: log.child({ mod: "registry" }),
    onChange: (models) => modelsRepo.replacePresent(models),
  });
  const engineLog = log.child({ mod: "engine" });
  const supervisor = new HostSupervisor({
    spawner:
      opts.platform?.engineSpawner ??
      nodeEngineSpawner((line) => engineLog.warn({ stderr: line }, "engine host")),
    config: { threads, gpu: config.engine.gpu },
    log: engineLog,
    restartDelayS: config.engine.restartDelayS,
  });
  const engine = new LocalEngine({
    registry,
    supervisor,
    log: engineLog,
    contextSize: config.engine.contextSize,
    sequences: config.engine.sequences,
    maxQueue: config.engine.maxQueue,
    idleTtlS: config.engine.idleTtlS,
    maxLoadedModels: config.engine.maxLoadedModels,
  });
  const gateway = new Gateway({
    providers: [localProvider(engine)],
    log: log.child({ mod: "gateway" }),
  });
  const startedAt = Date.now();
  const server = createServer({
    gateway,
    log: log.child({ mod: "server" }),
    bodyLimitBytes: config.server.bodyLimitBytes,
    sseHeartbeatS: config.server.sseHeartbeatS,
    rendererDir: opts.rendererDir ?? defaultRendererDir(),
    health: () => ({
      status: "ok",
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      engine: { state: supervisor.state, restarts: supervisor.deaths },
      models: { loaded: engine.status().filter((m) => m.state === "ready").length },
    }),
  });

  await registry.scan();
  let url: string | undefined;
  if (opts.listen !== false) {
    try {
      url = (await server.listen(config.server.host, config.server.port)).url;
    } catch (err) {
      await engine.close();
      closeDb(db);
      throw err;
    }
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await server.close();
      await engine.close();
      closeDb(db);
      log.info("benchtop stopped");
      log.flush();
    })());
  return { config, paths, log, db, engine, gateway, server, url, close };
}

/** `dist/renderer` relative to this file, both from sources (src-main/app) and dist/main/app. */
function defaultRendererDir(): string {
  const fromSource = fileURLToPath(new URL("../../dist/renderer", import.meta.url));
  const fromDist = fileURLToPath(new URL("../../renderer", import.meta.url));
  return import.meta.url.endsWith(".ts") ? fromSource : fromDist;
}
