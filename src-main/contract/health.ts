import { z } from "zod";

/**
 * Life cycle of the engine host process (the one process that loads node-llama-cpp).
 * `HostSupervisor` (src-main/engine) uses this type for its state, so the two cannot drift.
 */
export const EngineState = z.enum(["stopped", "starting", "running", "restarting", "closed"]);
export type EngineState = z.infer<typeof EngineState>;

/**
 * Whether Benchtop can write where it keeps its data. A full database disk refuses requests
 * (503 `storage_full`) until space is freed; service resumes by itself.
 */
export const StorageStateDto = z.object({
  /** `full` while writes to the database fail for want of space (disk or quota). */
  state: z.enum(["ok", "full"]),
  /** When writes started failing (ms since the epoch); null while `ok`. */
  since_ms: z.number().int().nullable(),
  /** Settlements of requests already answered, held in memory until the disk takes them. */
  pending_writes: z.number().int().nonnegative(),
  /** `failing` while log lines cannot be written (they are dropped and counted meanwhile). */
  log: z.enum(["ok", "failing"]),
  /** Log lines dropped since the core started because the log could not be written. */
  dropped_log_lines: z.number().int().nonnegative(),
});
export type StorageStateDto = z.infer<typeof StorageStateDto>;

/** Body of `GET /health` (no auth): liveness and coarse engine state, nothing private. */
export const HealthDto = z.object({
  status: z.literal("ok"),
  /** Benchtop's version, from package.json. */
  version: z.string(),
  /** Whole seconds since the core started. */
  uptime_s: z.number().int().nonnegative(),
  engine: z.object({
    state: EngineState,
    /** Times the engine host died unexpectedly since the core started. */
    restarts: z.number().int().nonnegative(),
  }),
  models: z.object({
    /** Local models resident in memory and ready to generate. */
    loaded: z.number().int().nonnegative(),
  }),
  storage: StorageStateDto,
});
export type HealthDto = z.infer<typeof HealthDto>;
