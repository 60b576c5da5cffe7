/**
 * The contract between the core and the renderer: zod schemas and the types inferred from them.
 * Depends on zod only, so the renderer can bundle it (lint enforces this).
 */
export * from "./bridge.js";
export * from "./errors.js";
export * from "./health.js";
export * from "./models.js";
export * from "./limits.js";
export * from "./manage/index.js";
export * from "./manageLimits.js";
