import { z } from "zod";

/**
 * Life cycle of the engine host process (the one process that loads node-llama-cpp).
 * `HostSupervisor` (src-main/engine) uses this type for its state, so the two cannot drift.
 */
export const EngineState = z.enum(["stopped", "starting", "running", "restarting", "closed"]);
export type EngineState = z.infer<typeof EngineState>;

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
});
export type HealthDto = z.infer<typeof HealthDto>;
