/** DTOs of the management API (`/manage/v1`); limits and prices are in ../manageLimits.ts. */
export * from "./common.js";
export * from "./members.js";
export * from "./keys.js";
export * from "./credits.js";
export * from "./usage.js";
export * from "./usageAudit.js";
export * from "./audit.js";
export * from "./settings.js";
export * from "./server.js";
export * from "./connections.js";
export * from "./models.js";
export * from "./modelSettings.js";
export * from "./conversations.js";
export * from "./routing.js";
export * from "./guard.js";
