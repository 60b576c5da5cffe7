import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DestinationStream } from "pino";
import type { HealthDto } from "../contract/health.js";
import { BodyRetention } from "../audit/bodyRetention.js";
import { RequestAudit } from "../audit/requestAudit.js";
import { HostSupervisor } from "../engine/HostSupervisor.js";
import { LocalEngine } from "../engine/LocalEngine.js";
import { ModelRegistry, type LocalModel } from "../engine/ModelRegistry.js";
import { nodeEngineSpawner } from "../engine/nodeEngineSpawner.js";
import { Gateway } from "../gateway/Gateway.js";
import { loadModelCatalog } from "../models/catalog.js";
import type { DownloadNetwork } from "../models/guardedConnect.js";
import { LocalModels } from "../models/LocalModels.js";
import { ModelHashes } from "../models/ModelHashes.js";
import { queryHostHardware } from "../engine/hostHardware.js";
import { NO_LOAD_SETTINGS } from "../engine/loadSettings.js";
import { Ledger } from "../policy/ledger.js";
import type { Platform, SecretCipher } from "../platform/types.js";
import { keyFileCipher } from "../platform/keyFileCipher.js";
import { localProvider } from "../providers/local/localProvider.js";
import { sealHeader } from "../providers/connectionSecrets.js";
import { poolProvider } from "../providers/pool/poolProvider.js";
import { createServer, type BenchtopServer } from "../server/createServer.js";
import { createManageRouter } from "../server/manage/index.js";
import { openApiDocument } from "../server/openapi.js";
import { AlertsRepo } from "../store/alertsRepo.js";
import { ConnectionsRepo } from "../store/connectionsRepo.js";
import { ConversationsRepo } from "../store/conversationsRepo.js";
import { PoolsRepo } from "../store/poolsRepo.js";
import { RoutingRepo } from "../store/routingRepo.js";
import { GuardRepo } from "../store/guardRepo.js";
import { Guard } from "../guard/Guard.js";
import {
  createDetectors,
  loadSecretRules,
  type Detectors,
  type SecretRuleSet,
} from "../guard/detect/index.js";
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
import { RequestBodiesRepo } from "../store/requestBodiesRepo.js";
import { SettingsRepo } from "../store/settingsRepo.js";
import { StorageHealth } from "../store/storageHealth.js";
import { UsageQueries } from "../store/usageQueries.js";
import { UsageRepo } from "../store/usageRepo.js";
import type { Config } from "./config.js";
import { EventBus } from "./eventBus.js";
import { periodKeys } from "../policy/periods.js";
import { ServerControl } from "./serverControl.js";
import { createLogger, type Logger } from "./logger.js";
import { LogSink, stdoutLogSink } from "./logSink.js";
import { ensureOwnerToken } from "./ownerToken.js";
import { loadPriceCatalog, poolDefaultPrice } from "./priceCatalog.js";
import { ensurePaths, resolvePaths, type DataPaths } from "./paths.js";
import { physicalCores } from "./threads.js";
import { VERSION } from "./version.js";
import { ResponseStore } from "../server/responses/responseStore.js";
import { ResponsesRepo } from "../store/responsesRepo.js";

export interface CoreOptions {
  config: Config;
  /** OS services. Defaults to headless ones (engine host via child_process.fork). */
  platform?: Partial<Platform>;
  /**
   * Log destination; defaults to stdout through a LogSink (a failing write drops lines and is
   * reported by `/health`, never stops the server).
   */
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
  /**
   * Tests only: the resolver model downloads use, and loopback `address:port` pairs they treat as
   * servers on the internet (see `DownloadNetwork`). Defaults to the OS resolver and none.
   */
  downloadNetwork?: DownloadNetwork;
  /**
   * The guard's detectors. Defaults to the secret rules in resources/guard/ and the PII
   * validators; tests pass detectors that throw, to see remote requests fail closed.
   */
  guardDetectors?: () => Detectors;
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
  guard: GuardRepo;
}

/** Settings key the storage probe writes (ms of the last probe) while the disk is full. */
const STORAGE_PROBE_SETTING = "storage.probe_ms";

/** Settings key: the owner allowed unauthenticated use from this machine (default off). */
export const ANONYMOUS_LOOPBACK_SETTING = "auth.anonymous_loopback";

export interface Core {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly db: Db;
  readonly store: Store;
  readonly ledger: Ledger;
  /** Whether the database's disk takes writes (`/health` reports it). */
  readonly storage: StorageHealth;
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
  /** SHA-256 of every local model file, computed in the background (the audit's model version). */
  readonly modelHashes: ModelHashes;
  /** Optional body retention (off by default): stores and opens sealed request bodies. */
  readonly bodies: BodyRetention;
  readonly gateway: Gateway;
  /** The guard step (KeyVault, PII policies) the gateway runs. */
  readonly guard: Guard;
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
  const logSink =
    opts.logDestination ??
    stdoutLogSink({
      // Called long after `log` exists: once writes to the log work again after failing.
      onResumed: (dropped) =>
        log.warn({ droppedLines: dropped }, "the log is written again after failed writes"),
    });
  const log = createLogger({ level: config.log.level, destination: logSink });
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
    guard: new GuardRepo(db),
  };
  const cipher = opts.platform?.secretCipher ?? keyFileCipher(paths.secretKey);
  // Credential headers that databases from before migration 7 keep in the clear: sealed now.
  const sealedRows = store.connections.sealClearCredentialHeaders((v) => sealHeader(cipher, v));
  if (sealedRows > 0)
    log.info({ connections: sealedRows }, "credential headers of connections encrypted at rest");
  const owner = store.members.ensureOwner();
  const ownerToken = ensureOwnerToken(paths.ownerToken, owner, store.keys);
  const events = new EventBus();
  const storage = new StorageHealth({
    dbFile: paths.db,
    log: log.child({ mod: "store" }),
    probeIntervalS: config.storage.probeIntervalS,
    // One small upsert, made only while the disk is full, to notice that space came back.
    probeWrite: () => store.settings.set(STORAGE_PROBE_SETTING, Date.now()),
  });
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
    storage,
    onEvent: (e) =>
      events.emit(
        e.type === "alert"
          ? { type: "alert", memberId: e.alert.memberId, data: e.alert }
          : { type: "usage", memberId: e.memberId, data: e },
      ),
  });
  ledger.recover();

  // The models table mirrors the folder for the management API; the registry serves from
  // memory. A full disk must not fail a request that rescans the folder: the list is kept and
  // written once storage takes writes again.
  const modelHashes = new ModelHashes({ repo: modelsRepo, log: log.child({ mod: "hashes" }) });
  let unsavedModels: LocalModel[] | undefined;
  const saveModels = (models: LocalModel[]) => {
    try {
      modelsRepo.replacePresent(models);
      unsavedModels = undefined;
    } catch (err) {
      if (!storage.fullError(err)) throw err;
      unsavedModels = models;
    }
  };
  storage.onResume(() => unsavedModels && saveModels(unsavedModels));

  const threads = config.engine.threads ?? physicalCores();
  const registry = new ModelRegistry({
    modelsDir: paths.modelsDir,
    log: log.child({ mod: "registry" }),
    // Hashing starts once the rows are saved (it reads the hashes they keep) and runs behind.
    onChange: (models) => {
      saveModels(models);
      modelHashes.update(models);
    },
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
    downloadNetwork: opts.downloadNetwork,
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
  // The secret rules load on the first request that leaves the machine (and for the
  // Guardrails page); a missing or broken rule file makes remote requests fail closed.
  let ruleSet: SecretRuleSet | undefined;
  const secretRules = () => (ruleSet ??= loadSecretRules());
  const guard = new Guard({
    repo: store.guard,
    detectors: opts.guardDetectors ?? (() => createDetectors(secretRules())),
    rules: () => ({
      rules: secretRules().rules.length,
      sources: [...new Set(secretRules().rules.map((r) => r.source))],
    }),
    log: log.child({ mod: "guard" }),
  });
  const bodies = new BodyRetention({
    bodies: new RequestBodiesRepo(db),
    members: store.members,
    settings: store.settings,
    cipher,
    log: log.child({ mod: "audit" }),
    now: opts.now,
  });
  const gateway = new Gateway({
    // Local models first: a pool cannot shadow a model file of the same name.
    providers: [local, pools],
    router,
    guard,
    ledger,
    log: log.child({ mod: "gateway" }),
    audit: new RequestAudit({
      connection: (id) => store.connections.get(id),
      localVersion: (id) => modelHashes.versionOf(id),
      bodies,
    }),
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
  const storageState = (): HealthDto["storage"] => {
    const logState = logSink instanceof LogSink ? logSink.state() : { failing: false, dropped: 0 };
    return {
      state: storage.full ? "full" : "ok",
      since_ms: storage.sinceMs,
      pending_writes: ledger.heldWrites,
      log: logState.failing ? "failing" : "ok",
      dropped_log_lines: logState.dropped,
    };
  };
  const server = createServer({
    gateway,
    log: log.child({ mod: "server" }),
    bodyLimitBytes: config.server.bodyLimitBytes,
    sseHeartbeatS: config.server.sseHeartbeatS,
    limits: {
      headersTimeoutMs: config.server.headersTimeoutS * 1000,
      bodyTimeoutMs: config.server.bodyTimeoutS * 1000,
      requestTimeoutMs: config.server.requestTimeoutS * 1000,
      keepAliveTimeoutMs: config.server.keepAliveTimeoutS * 1000,
      maxConnectionsPerAddress: config.server.maxConnectionsPerAddress,
      capLoopback: config.server.capLoopbackConnections,
    },
    auth: {
      now: opts.now,
      keys: store.keys,
      ownerId: owner.id,
      anonymousLoopback: () => store.settings.get<boolean>(ANONYMOUS_LOOPBACK_SETTING) === true,
      boundToLoopback: () => !control.lan,
      storage,
    },
    hosts: {
      hosts: () => control.hostNames(),
      port: () => control.listenPort(),
      corsOrigins: config.server.corsOrigins,
    },
    rendererDir: opts.rendererDir ?? defaultRendererDir(),
    apiPaused: () => control.apiPaused,
    storage,
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
      guard,
      models: localModels,
      bodies,
      now: opts.now,
    }),
    documents: { "/openapi.json": openApiDocument },
    responses: new ResponseStore({
      repo: new ResponsesRepo(db),
      cipher,
      ttlDays: config.responses.ttlDays,
      maxBytesPerMember: config.responses.maxStoredBytesPerMember,
      log: log.child({ mod: "responses" }),
      now: opts.now,
    }),
    health: (): HealthDto => ({
      status: "ok",
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      engine: { state: supervisor.state, restarts: supervisor.deaths },
      models: { loaded: engine.status().filter((m) => m.state === "ready").length },
      storage: storageState(),
    }),
  });

  await registry.scan();
  if (opts.listen !== false) {
    try {
      // Beyond loopback only while a member has a live key (ServerControl.listen).
      await control.listen();
    } catch (err) {
      clearInterval(probeTimer);
      await modelHashes.close();
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
      await modelHashes.close(); // a file half hashed is hashed again at the next start
      await engine.close();
      storage.close();
      // Settlements a full disk still holds: one last try. Rows it cannot write stay `reserved`
      // and the next start settles them at their reserved maximum (never at $0).
      ledger.flushHeld();
      if (ledger.heldWrites > 0)
        log.error(
          { held: ledger.heldWrites },
          "the disk is still full: held settlements are left to the next start's sweep",
        );
      if (!closeDb(db)) log.warn("the WAL could not be folded back; the next start replays it");
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
    storage,
    cipher,
    pools,
    events,
    ownerId: owner.id,
    ownerToken: ownerToken.token,
    engine,
    models: localModels,
    modelHashes,
    bodies,
    gateway,
    guard,
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
