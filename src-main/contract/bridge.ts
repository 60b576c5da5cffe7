import { z } from "zod";

/**
 * The IPC channel behind `BenchtopBridge.getConnection()`. The sandboxed preload cannot import
 * this module at run time, so it repeats the string, typed as `ConnectionChannel` to keep the two
 * in step.
 */
export const CONNECTION_CHANNEL = "benchtop:connection";
export type ConnectionChannel = typeof CONNECTION_CHANNEL;

/** Where the renderer finds the API, and how the desktop owner authenticates to it. */
export const BenchtopConnection = z.object({
  /** Origin of the HTTP API, e.g. `http://127.0.0.1:4747` (no trailing slash). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /**
   * The desktop owner's API key (`core.ownerToken`), so the person at the workstation is signed in
   * without typing it. Only the Electron app hands it over; a browser has none and signs in.
   */
  ownerToken: z.string().min(1).optional(),
});
export type BenchtopConnection = z.infer<typeof BenchtopConnection>;

/**
 * What the Electron preload exposes as `window.benchtop`. Kept tiny on purpose: everything else
 * goes through the HTTP API, so the renderer behaves the same in Electron and in a browser.
 */
export interface BenchtopBridge {
  getConnection(): Promise<BenchtopConnection>;
}
