import type {
  ConnectionDto,
  ConnectionKeyDto,
  PoolDto,
  TargetHealthDto,
} from "../../contract/index.js";
import type { HealthSnapshot } from "../../pools/health.js";
import { maskedHeaders } from "../../providers/connectionSecrets.js";
import type { Connection, ProviderKeyRow } from "../../store/connectionsRepo.js";
import type { Pool } from "../../store/poolsRepo.js";
import type { ManageDeps } from "./routeTable.js";

/** Store rows → the contract's DTOs for connections, provider keys, pools and their health. */

export const providerKeyDto = (k: ProviderKeyRow): ConnectionKeyDto => ({
  id: k.id,
  connection_id: k.connectionId,
  label: k.label,
  last4: k.last4,
  status: k.status,
  status_reason: k.statusReason,
  created_ms: k.createdMs,
  updated_ms: k.updatedMs,
});

export const connectionDto = (c: Connection, keys: ProviderKeyRow[]): ConnectionDto => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  base_url: c.baseUrl,
  // Credential headers only masked, to every role (viewers included), in audit rows and events.
  headers: maskedHeaders(c),
  region: c.region,
  retention: c.retention,
  redact_secrets: c.redactSecrets,
  keys: keys.map(providerKeyDto),
  created_ms: c.createdMs,
  updated_ms: c.updatedMs,
});

/** A target the pools have not sent anything to yet: what a fresh breaker reports. */
const UNTOUCHED: HealthSnapshot = {
  state: "closed",
  available: true,
  inFlight: 0,
  latencyMs: null,
  restingUntil: null,
  disabledReason: null,
  exhausted: false,
  exhaustedUntil: null,
  consecutiveFailures: 0,
  openUntil: null,
};

/**
 * One target's health. The key's status in the database is the truth for key marks, as routing
 * reads it on every request: an active key's stale in-memory disabled/exhausted marks (an admin
 * re-enabled it since) are not shown, and a key that is not active is never available.
 */
function healthEntry(
  key: ProviderKeyRow,
  upstreamModel: string,
  s: HealthSnapshot = UNTOUCHED,
): TargetHealthDto {
  const active = key.status === "active";
  const staleMarks = active && (s.disabledReason !== null || s.exhausted);
  const available =
    active && (staleMarks ? s.restingUntil === null && s.state !== "open" : s.available);
  const exhausted = key.status === "exhausted" || (!staleMarks && s.exhausted);
  return {
    target_id: `${key.connectionId}/${key.id}/${upstreamModel}`,
    connection_id: key.connectionId,
    key_id: key.id,
    upstream_model: upstreamModel,
    key_status: key.status,
    state: s.state,
    available,
    in_flight: s.inFlight,
    latency_ms: s.latencyMs === null ? null : Math.round(s.latencyMs),
    resting_until_ms: s.restingUntil,
    disabled_reason:
      key.status === "disabled"
        ? (key.statusReason ?? s.disabledReason)
        : staleMarks
          ? null
          : s.disabledReason,
    exhausted,
    exhausted_until_ms: exhausted && !staleMarks ? s.exhaustedUntil : null,
    consecutive_failures: s.consecutiveFailures,
    open_until_ms: s.openUntil,
  };
}

/** `<connection id>/<key id>/<upstream model>`; the model may itself contain `/`. */
function parseTargetId(id: string): { connectionId: string; keyId: string; model: string } | null {
  const a = id.indexOf("/");
  const b = a < 0 ? -1 : id.indexOf("/", a + 1);
  if (b < 0) return null;
  return { connectionId: id.slice(0, a), keyId: id.slice(a + 1, b), model: id.slice(b + 1) };
}

/**
 * Every target of a connection: each of its keys × each upstream model a pool names on it or
 * that the pools have health for. Keys in creation order, then models by id.
 */
export function connectionHealth(deps: ManageDeps, connectionId: string): TargetHealthDto[] {
  const health = deps.poolHealth();
  const keys = deps.store.connections.keys(connectionId);
  const models = new Set<string>();
  for (const p of deps.store.pools.list())
    for (const t of p.targets) if (t.connectionId === connectionId) models.add(t.upstreamModel);
  for (const id of Object.keys(health)) {
    const parsed = parseTargetId(id);
    if (parsed?.connectionId === connectionId) models.add(parsed.model);
  }
  const sorted = [...models].sort();
  return keys.flatMap((k) =>
    sorted.map((m) => healthEntry(k, m, health[`${connectionId}/${k.id}/${m}`])),
  );
}

/** A pool with each target's health, one entry per key of the target's connection. */
export function poolDto(
  deps: ManageDeps,
  pool: Pool,
  health: Record<string, HealthSnapshot> = deps.poolHealth(),
): PoolDto {
  return {
    ...poolSnapshot(pool),
    targets: pool.targets.map((t) => ({
      connection_id: t.connectionId,
      upstream_model: t.upstreamModel,
      priority: t.priority,
      weight: t.weight,
      health: deps.store.connections
        .keys(t.connectionId)
        .map((k) =>
          healthEntry(k, t.upstreamModel, health[`${t.connectionId}/${k.id}/${t.upstreamModel}`]),
        ),
    })),
  };
}

/** A pool as the audit log and events record it: configuration only, no live health. */
export function poolSnapshot(pool: Pool) {
  return {
    id: pool.id,
    strategy: pool.strategy,
    max_attempts: pool.maxAttempts,
    targets: pool.targets.map((t) => ({
      connection_id: t.connectionId,
      upstream_model: t.upstreamModel,
      priority: t.priority,
      weight: t.weight,
    })),
    created_ms: pool.createdMs,
    updated_ms: pool.updatedMs,
  };
}
