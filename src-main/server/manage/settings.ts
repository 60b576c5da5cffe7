import { PatchSettingsBody, SettingsDto } from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import { isValidTimeZone } from "../../policy/periods.js";
import {
  forbidden,
  mutate,
  nothingToChange,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

function current(c: Call): SettingsDto {
  return {
    time_zone: c.deps.ledger.timeZone(),
    anonymous_loopback:
      c.deps.store.settings.get<boolean>(c.deps.anonymousLoopbackSetting) === true,
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
    summary: "The org's time zone and the anonymous-loopback switch",
    response: SettingsDto,
    handle: current,
  }),
  route({
    method: "patch",
    path: "/settings",
    access: "admin",
    summary: "Change the time zone (admins) or anonymous loopback use (owner only)",
    body: PatchSettingsBody,
    response: SettingsDto,
    handle: (c) => {
      const { time_zone, anonymous_loopback } = c.body;
      if (time_zone === undefined && anonymous_loopback === undefined) throw nothingToChange();
      // Letting unauthenticated local callers act as the owner is the owner's decision alone.
      if (anonymous_loopback !== undefined && c.principal.role !== "owner")
        throw forbidden("Only the owner can change anonymous_loopback.", "anonymous_loopback");
      if (time_zone !== undefined && !isValidTimeZone(time_zone))
        throw invalidRequest(
          `'${time_zone}' is not an IANA time zone (e.g. "Europe/Berlin", "UTC").`,
          "time_zone",
          "invalid_time_zone",
        );
      const zoneBefore = c.deps.ledger.timeZone();
      try {
        return mutate(
          c,
          { action: "settings.update", targetType: "settings", targetId: null, memberId: null },
          () => {
            const before = current(c);
            if (anonymous_loopback !== undefined)
              c.deps.store.settings.set(c.deps.anonymousLoopbackSetting, anonymous_loopback);
            if (time_zone !== undefined) c.deps.ledger.setTimeZone(canonicalZone(time_zone));
            const after = current(c);
            return { before, after, result: after };
          },
        );
      } catch (err) {
        // The ledger keeps its zone in memory too: put it back if the transaction rolled back
        // (this rewrites the committed value, so the table is unchanged).
        if (c.deps.ledger.timeZone() !== zoneBefore) c.deps.ledger.setTimeZone(zoneBefore);
        throw err;
      }
    },
  }),
];
