import type { SettingsRepo } from "../../store/settingsRepo.js";
import { conflict } from "./routeTable.js";

/** Settings key of the most API keys one member may hold at once. */
export const MAX_KEYS_SETTING = "keys.max_per_member";

/**
 * Default cap on a member's live keys: 20, enough for a laptop, a server, CI and a few scripts;
 * without a cap a member could mint keys without end (issue 14, item 8). Revoked and expired
 * keys do not count: they authenticate nothing.
 */
export const DEFAULT_MAX_KEYS_PER_MEMBER = 20;

export const maxKeysPerMember = (settings: Pick<SettingsRepo, "get">): number =>
  settings.get<number>(MAX_KEYS_SETTING) ?? DEFAULT_MAX_KEYS_PER_MEMBER;

/** 409 `key_limit_reached` when a member holding `live` keys may not get another. */
export function refuseOverKeyLimit(live: number, max: number, own: boolean): void {
  if (live < max) return;
  throw conflict(
    `${own ? "You already have" : "This member already has"} ${live} active key${live === 1 ? "" : "s"}, ` +
      `the most one member may hold (setting max_keys_per_member: ${max}): revoke one first.`,
    "key_limit_reached",
  );
}
