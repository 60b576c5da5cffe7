import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DestinationStream } from "pino";
import { HostSupervisor } from "../engine/HostSupervisor.js";
import { LocalEngine } from "../engine/LocalEngine.js";
import { ModelRegistry } from "../engine/ModelRegistry.js";
import { nodeEngineSpawner } from "../engine/nodeEngineSpawner.js";
import { Gateway } from "../gateway/Gateway.js";
import { loadModelCatalog } from "../models/catalog.js";
import { LocalModels } from "../models/LocalModels.js";
import { queryHostHardware } from "../engine/hostHardware.js";
import { NO_LOAD_SETTINGS } from "../engine/loadSettings.js";
import { Ledger } from "../policy/ledger.js";
import type { Platform, SecretCipher } from "../platform/types.js";
import { keyFileCipher } from "../platform/keyFileCipher.js";
import { localProvider } from "../providers/local/localProvider.js";
import { poolProvider } from "../providers/pool/poolProvider.js";
import { createServer, type BenchtopServer } from "../server/createServer.js";
import { createManageRouter } from "../server/manage/index.js";
import { openApiDocument } from "../server/openapi.js";
import { AlertsRepo } from "../store/alertsRepo.js";
import { ConnectionsRepo } from "../store/connectionsRepo.js";
import { ConversationsRepo } from "../store/conversationsRepo.js";
import { PoolsRepo } from "../store/poolsRepo.js";
import { RoutingRepo } from "../store/routingRepo.js";
import { Router } from "../routing/Router.js";
import { AuditRepo } from "../store/auditRepo.js";
import { CreditsRepo } from "../store/creditsRepo.js";
import { closeDb, openDb, type Db } from "../store/db.js";
import { KeysRepo } from "../store/keysRepo.js";
import { LimitsRepo } from "../store/limitsRepo.js";
import { MemberEditsRepo } from "../store/memberEditsRepo.js";
import { MembersRepo } from "../store/membersRepo.js";
import { ModelSettingsRepo } from "../store/modelSettingsRepo.js";
import { ModelsRepo } from "../store/modelsRepo.js";
import { SettingsRepo } from "../store/settingsRepo.js";
import { UsageQueries } from "../store/usageQueries.js";
import { UsageRepo } from "../store/usageRepo.js";
import type { Config } from "./config.js";
import { EventBus } from "./eventBus.js";
import { periodKeys } from "../policy/periods.js";
import { ServerControl } from "./serverControl.js";
import { createLogger, type Logger } from "./logger.js";
import { ensureOwnerToken } from "./ownerToken.js";
import { loadPriceCatalog, poolDefaultPrice } from "./priceCatalog.js";
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
  /**
   * The clock admission and settlement read (budget windows, rate limits, key expiry).
   * Defaults to `Date.now`; tests move it across midnights and DST changes.
   */
  now?: () => number;
  /**
   * The config file a new bind address and port (`PATCH /manage/v1/server`) are written to.
   * Defaults to `<dataDir>/config.json`.
   */
  configFile?: string;
}

/** The repositories, one per table group. */
export interface Store {
  members: MembersRepo;
  keys: KeysRepo;
  limits: LimitsRepo;
  usage: UsageRepo;
  credits: CreditsRepo;
  alerts: AlertsRepo;
  settings: SettingsRepo;
  models: ModelsRepo;
  connections: ConnectionsRepo;
  pools: PoolsRepo;
  conversations: ConversationsRepo;
  routing: RoutingRepo;
}

/** Settings key: the owner allowed unauthenticated use from this machine (default off). */
export const ANONYMOUS_LOOPBACK_SETTING = "auth.anonymous_loopback";

export interface Core {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly db: Db;
  readonly store: Store;
  readonly ledger: Ledger;
  /** Encrypts provider keys at rest. */
  readonly cipher: SecretCipher;
  /** Remote pools: health of every target. */
  readonly pools: ReturnType<typeof poolProvider>;
  readonly events: EventBus;
  /** The owner's member id. */
  readonly ownerId: string;
  /** The owner token (also in `<data-dir>/owner.token`): the desktop UI authenticates with it. */
  readonly ownerToken: string;
  readonly engine: LocalEngine;
  /** Local model management: fit estimates, load/unload, delete, import, downloads. */
  readonly models: LocalModels;
  readonly gateway: Gateway;
  readonly server: BenchtopServer;
  /** Bind address, LAN sharing, API pause, idle TTL and usage retention at run time. */
  readonly serverControl: ServerControl;
  /**
   * Where this machine reaches the API, e.g. `http://127.0.0.1:4747` (set when `listen` is
   * true; follows `PATCH /manage/v1/server`).
   */
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
  const modelSettings = new ModelSettingsRepo(db);
  const settings = new SettingsRepo(db);
  const store: Store = {
    members: new MembersRepo(db),
    keys: new KeysRepo(db),
    limits: new LimitsRepo(db),
    usage: new UsageRepo(db),
    credits: new CreditsRepo(db),
    alerts: new AlertsRepo(db),
    settings,
    models: modelsRepo,
    connections: new ConnectionsRepo(db),
    pools: new PoolsRepo(db),
    conversations: new ConversationsRepo(db),
    routing: new RoutingRepo(db, settings),
  };
  const cipher = opts.platform?.secretCipher ?? keyFileCipher(paths.secretKey);
  const owner = store.members.ensureOwner();
  const ownerToken = ensureOwnerToken(paths.ownerToken, owner, store.keys);
  const events = new EventBus();
  const catalog = loadPriceCatalog();
  // Built below (it needs the log and the cipher); the ledger reads it only once requests flow.
  // eslint-disable-next-line prefer-const -- assigned after the ledger that closes over it
  let pools: ReturnType<typeof poolProvider>;
  const ledger = new Ledger({
    now: opts.now,
    // Read per admission of every unpriced model (local ones too): the pools' cache, not SQL.
    defaultPrice: (model) => {
      const pool = pools.pool(model);
      return pool
        ? poolDefaultPrice(
            model,
            pool.targets.map((t) => t.upstreamModel),
            catalog,
          )
        : undefined;
    },
    db,
    usage: store.usage,
    credits: store.credits,
    alerts: store.alerts,
    limits: store.limits,
    settings: store.settings,
    log: log.child({ mod: "ledger" }),
    onEvent: (e) =>
      events.emit(
        e.type === "alert"
          ? { type: "alert", memberId: e.alert.memberId, data: e.alert }
          : { type: "usage", memberId: e.memberId, data: e },
      ),
  });
  ledger.recover();

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
    config: { threads, gpu: config.engine.gpu, binary: config.engine.binary },
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
    loadSettings: (id) => modelSettings.get(id) ?? NO_LOAD_SETTINGS,
    memoryBudgetBytes:
      config.engine.memoryBudgetMb === undefined
        ? undefined
        : Math.round(config.engine.memoryBudgetMb * 2 ** 20),
    hardware: () => queryHostHardware(supervisor, config.engine.gpu),
  });
  const modelCatalog = loadModelCatalog();
  if (modelCatalog.error) log.warn({ err: modelCatalog.error }, "model catalog unavailable");
  const localModels = new LocalModels({
    engine,
    modelsDir: paths.modelsDir,
    gpu: config.engine.gpu,
    maxLoadedModels: config.engine.maxLoadedModels,
    loadSettings: modelSettings,
    catalog: modelCatalog.entries,
    events,
    log: log.child({ mod: "models" }),
  });
  pools = poolProvider({
    pools: store.pools,
    connections: store.connections,
    cipher,
    log: log.child({ mod: "pools" }),
    onKeyProblem: (e) => events.emit({ type: "connection_key.problem", memberId: null, data: e }),
    now: opts.now,
  });
  const probeTimer =
    config.pools.probeIntervalS > 0
      ? setInterval(() => void pools.probeDue(), config.pools.probeIntervalS * 1000)
      : undefined;
  probeTimer?.unref();
  const local = localProvider(engine);
  const router = new Router({
    repo: store.routing,
    local,
    localModels: async () => (await local.listModels()).map((m) => m.id).sort(),
    hasLocalModel: (id) => local.hasModel(id),
  });
  const gateway = new Gateway({
    // Local models first: a pool cannot shadow a model file of the same name.
    providers: [local, pools],
    router,
    ledger,
    log: log.child({ mod: "gateway" }),
  });
  // Decides where the server listens (and moves it); built first, as the server reads it.
  const control: ServerControl = new ServerControl({
    server: () => server,
    db,
    keys: store.keys,
    settings: store.settings,
    engine,
    host: config.server.host,
    port: config.server.port,
    allowedHosts: config.server.allowedHosts,
    configFile: opts.configFile ?? path.join(config.dataDir, "config.json"),
    monthOf: (ms) => periodKeys(ms, ledger.timeZone()).month,
    now: opts.now,
    log: log.child({ mod: "server" }),
  });
  const startedAt = Date.now();
  const server = createServer({
    gateway,
    log: log.child({ mod: "server" }),
    bodyLimitBytes: config.server.bodyLimitBytes,
    sseHeartbeatS: config.server.sseHeartbeatS,
    auth: {
      now: opts.now,
      keys: store.keys,
      ownerId: owner.id,
      anonymousLoopback: () => store.settings.get<boolean>(ANONYMOUS_LOOPBACK_SETTING) === true,
      boundToLoopback: () => !control.lan,
    },
    hosts: {
      hosts: () => control.hostNames(),
      port: () => control.listenPort(),
      corsOrigins: config.server.corsOrigins,
    },
    rendererDir: opts.rendererDir ?? defaultRendererDir(),
    apiPaused: () => control.apiPaused,
    manage: createManageRouter({
      db,
      store,
      memberEdits: new MemberEditsRepo(db),
      audit: new AuditRepo(db),
      usage: new UsageQueries(db),
      ledger,
      events,
      anonymousLoopbackSetting: ANONYMOUS_LOOPBACK_SETTING,
      chatBytesPerMember: config.chat.maxStoredBytesPerMember,
      server: control,
      cipher,
      poolHealth: () => pools.health(),
      localModelExists: async (id) => (await engine.registry.find(id)) !== undefined,
      explainRoute: (q) => gateway.explainRoute(q),
      models: localModels,
      now: opts.now,
    }),
    documents: { "/openapi.json": openApiDocument },
    health: () => ({
      status: "ok",
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      engine: { state: supervisor.state, restarts: supervisor.deaths },
      models: { loaded: engine.status().filter((m) => m.state === "ready").length },
    }),
  });

  await registry.scan();
  if (opts.listen !== false) {
    try {
      // Beyond loopback only while a member has a live key (ServerControl.listen).
      await control.listen();
    } catch (err) {
      clearInterval(probeTimer);
      await engine.close();
      closeDb(db);
      throw err;
    }
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      events.emit({ type: "server.closing", memberId: null, data: null });
      control.close();
      clearInterval(probeTimer);
      await server.close();
      await localModels.close(); // downloads stop; their .part files resume after a restart
      await engine.close();
      closeDb(db);
      log.info("benchtop stopped");
      log.flush();
    })());
  return {
    config,
    paths,
    log,
    db,
    store,
    ledger,
    cipher,
    pools,
    events,
    ownerId: owner.id,
    ownerToken: ownerToken.token,
    engine,
    models: localModels,
    gateway,
    server,
    serverControl: control,
    get url() {
      return control.url;
    },
    close,
  };
}

/** `dist/renderer` relative to this file, both from sources (src-main/app) and dist/main/app. */
function defaultRendererDir(): string {
  const fromSource = fileURLToPath(new URL("../../dist/renderer", import.meta.url));
  const fromDist = fileURLToPath(new URL("../../renderer", import.meta.url));
  return import.meta.url.endsWith(".ts") ? fromSource : fromDist;
}
