import { IDLE_TTL_SETTING, RETENTION_DAYS_SETTING } from "../../app/serverControl.js";
import { BODY_RETENTION_SETTING } from "../../audit/bodyRetention.js";
import { PatchSettingsBody, SettingsDto } from "../../contract/index.js";
import { ApiError, invalidRequest } from "../../gateway/errors.js";
import { isValidTimeZone } from "../../policy/periods.js";
import { MAX_KEYS_SETTING, maxKeysPerMember } from "./keyLimit.js";
import {
  forbidden,
  mutate,
  nothingToChange,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

function current(c: Call): SettingsDto {
  const server = c.deps.server;
  if (!server)
    throw new ApiError(503, "server_error", "Settings are not available here.", "unavailable");
  return {
    time_zone: c.deps.ledger.timeZone(),
    anonymous_loopback:
      c.deps.store.settings.get<boolean>(c.deps.anonymousLoopbackSetting) === true,
    model_idle_ttl_s: server.idleTtlS(),
    retention_days: server.retentionDays(),
    body_retention_days: c.deps.store.settings.get<number | null>(BODY_RETENTION_SETTING) ?? null,
    max_keys_per_member: maxKeysPerMember(c.deps.store.settings),
  };
}

/** Intl accepts other casings ("europe/berlin"); store the zone's canonical name. */
function canonicalZone(tz: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
}

/** Org-wide settings. */
export const settingsRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/settings",
    access: "staff",
    summary:
      "Time zone, anonymous loopback use, model idle TTL, usage and body retention, keys per member",
    response: SettingsDto,
    handle: current,
  }),
  route({
    method: "patch",
    path: "/settings",
    access: "admin",
    summary:
      "Change the time zone, model idle TTL or keys per member (admins), or usage retention, body retention or anonymous loopback use (owner only)",
    body: PatchSettingsBody,
    response: SettingsDto,
    handle: (c) => {
      const { time_zone, anonymous_loopback, model_idle_ttl_s, retention_days } = c.body;
      const { max_keys_per_member, body_retention_days } = c.body;
      if (Object.values(c.body).every((v) => v === undefined)) throw nothingToChange();
      // Letting unauthenticated local callers act as the owner is the owner's decision alone.
      if (anonymous_loopback !== undefined && c.principal.role !== "owner")
        throw forbidden("Only the owner can change anonymous_loopback.", "anonymous_loopback");
      // Retention deletes billing history for good: also the owner's decision alone.
      if (retention_days !== undefined && c.principal.role !== "owner")
        throw forbidden("Only the owner can change retention_days.", "retention_days");
      // Keeping members' prompts and answers is the owner's decision alone (audited below).
      if (body_retention_days !== undefined && c.principal.role !== "owner")
        throw forbidden("Only the owner can change body_retention_days.", "body_retention_days");
      if (time_zone !== undefined && !isValidTimeZone(time_zone))
        throw invalidRequest(
          `'${time_zone}' is not an IANA time zone (e.g. "Europe/Berlin", "UTC").`,
          "time_zone",
          "invalid_time_zone",
        );
      const zoneBefore = c.deps.ledger.timeZone();
      let after: SettingsDto;
      try {
        after = mutate(
          c,
          { action: "settings.update", targetType: "settings", targetId: null, memberId: null },
          () => {
            const before = current(c);
            if (anonymous_loopback !== undefined)
              c.deps.store.settings.set(c.deps.anonymousLoopbackSetting, anonymous_loopback);
            if (time_zone !== undefined) c.deps.ledger.setTimeZone(canonicalZone(time_zone));
            if (model_idle_ttl_s !== undefined)
              c.deps.store.settings.set(IDLE_TTL_SETTING, model_idle_ttl_s);
            if (retention_days !== undefined)
              c.deps.store.settings.set(RETENTION_DAYS_SETTING, retention_days);
            if (body_retention_days !== undefined)
              c.deps.store.settings.set(BODY_RETENTION_SETTING, body_retention_days);
            if (max_keys_per_member !== undefined)
              c.deps.store.settings.set(MAX_KEYS_SETTING, max_keys_per_member);
            const now = current(c);
            return { before, after: now, result: now };
          },
        );
      } catch (err) {
        // The ledger keeps its zone in memory too: put it back if the transaction rolled back
        // (this rewrites the committed value, so the table is unchanged).
        if (c.deps.ledger.timeZone() !== zoneBefore) c.deps.ledger.setTimeZone(zoneBefore);
        throw err;
      }
      // Committed: the engine takes the new TTL now, and a new retention applies at once.
      if (model_idle_ttl_s !== undefined) c.deps.server!.applyIdleTtl();
      if (retention_days !== undefined) c.deps.server!.sweeper.sweepNow();
      return after;
    },
  }),
];
