import {
  AddConnectionKeyBody,
  ConnectionDto,
  ConnectionKeyDto,
  ConnectionListDto,
  ConnectionTestDto,
  ConnectionUsageDto,
  ConnectionUsageQuery,
  CreateConnectionBody,
  DEFAULT_BASE_URLS,
  DeletedConnectionDto,
  PatchConnectionBody,
  PatchConnectionKeyBody,
  TargetHealthListDto,
  type ConnectionUsageSumsDto,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import type { Connection, ProviderKeyRow } from "../../store/connectionsRepo.js";
import { connectionScrub, last4Of, openHeaders } from "../../providers/connectionSecrets.js";
import { testConnection } from "../../providers/connectionTest.js";
import { patchConnection, refuseInsecureStorage, resolveHeaders } from "./connectionWrites.js";
import { connectionDto, connectionHealth, providerKeyDto } from "./poolViews.js";
import { conflict, mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";

function connectionOf(c: Call): Connection {
  const connection = c.deps.store.connections.get(c.params.id!);
  if (!connection) throw notFound("connection");
  return connection;
}

/** A key of a live connection; deleted keys are found too (their connection may be gone). */
function keyOf(c: Call): ProviderKeyRow {
  const key = c.deps.store.connections.key(c.params.id!);
  if (!key) throw notFound("connection key");
  return key;
}

function view(c: Call, connection: Connection): ConnectionDto {
  return connectionDto(connection, c.deps.store.connections.keys(connection.id));
}

/** Pools with a target on this connection (a connection in use cannot be deleted). */
function poolsUsing(c: Call, connectionId: string): string[] {
  return c.deps.store.pools
    .list()
    .filter((p) => p.targets.some((t) => t.connectionId === connectionId))
    .map((p) => p.id);
}

/**
 * Remote provider connections and their keys. A provider key — and a credential-like extra
 * header (connectionWrites.ts) — is encrypted by the platform's SecretCipher before it is
 * stored and never leaves again: answers, audit rows and events carry only its id, label and
 * last 4 characters (a header: its name and `…` + last 4).
 */
export const connectionRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/connections",
    access: "staff",
    summary: "Every remote provider connection, with its keys (never the keys themselves)",
    response: ConnectionListDto,
    handle: (c) => ({
      object: "list",
      data: c.deps.store.connections.list().map((x) => view(c, x)),
    }),
  }),
  route({
    method: "post",
    path: "/connections",
    access: "admin",
    summary: "Add a connection to a remote provider (keys are added separately)",
    body: CreateConnectionBody,
    response: ConnectionDto,
    status: 201,
    handle: (c) => {
      const { name, kind, base_url, headers, region, retention } = c.body;
      const baseUrl = base_url ?? DEFAULT_BASE_URLS[kind];
      if (baseUrl === undefined)
        throw invalidRequest(
          `Missing required parameter: 'base_url' (kind '${kind}' has no default).`,
          "base_url",
          "missing_required_parameter",
        );
      const sealed = resolveHeaders(c.deps.cipher, headers ?? {});
      const target = { action: "connection.create", targetType: "connection", targetId: null };
      return mutate(c, { ...target, memberId: null }, () => {
        const created = c.deps.store.connections.create({
          name,
          kind,
          baseUrl,
          headers: sealed.headers,
          secretHeaders: sealed.secretHeaders,
          region: region ?? null,
          retention: retention ?? null,
        });
        const dto = view(c, created);
        return { before: null, after: dto, result: dto, targetId: created.id };
      });
    },
  }),
  route({
    method: "get",
    path: "/connections/:id",
    access: "staff",
    summary: "One connection, with its keys",
    response: ConnectionDto,
    handle: (c) => view(c, connectionOf(c)),
  }),
  route({
    method: "patch",
    path: "/connections/:id",
    access: "admin",
    summary:
      "Change a connection's name, base URL, extra headers, region or retention note; a new base URL needs the keys entered again",
    body: PatchConnectionBody,
    response: ConnectionDto,
    handle: (c) => patchConnection(c, connectionOf(c), (x) => view(c, x)),
  }),
  route({
    method: "delete",
    path: "/connections/:id",
    access: "admin",
    summary: "Delete a connection and its keys (refused while a pool uses it); usage is kept",
    response: DeletedConnectionDto,
    handle: (c) => {
      const current = connectionOf(c);
      const pools = poolsUsing(c, current.id);
      if (pools.length > 0)
        throw conflict(
          `The connection is used by pool${pools.length > 1 ? "s" : ""} ${pools.map((p) => `'${p}'`).join(", ")}: remove it from them first.`,
          "connection_in_use",
        );
      return mutate(
        c,
        {
          action: "connection.delete",
          targetType: "connection",
          targetId: current.id,
          memberId: null,
        },
        () => {
          const before = view(c, current);
          c.deps.store.connections.remove(current.id);
          return { before, after: null, result: { id: current.id, deleted: true as const } };
        },
      );
    },
  }),
  route({
    method: "post",
    path: "/connections/:id/keys",
    access: "admin",
    summary: "Add a provider key (encrypted at rest; only its last 4 characters are ever shown)",
    body: AddConnectionKeyBody,
    response: ConnectionKeyDto,
    status: 201,
    handle: (c) => {
      const connection = connectionOf(c);
      const { cipher } = c.deps;
      refuseInsecureStorage(cipher, c.body.acknowledge_insecure_storage);
      const secret = cipher.encrypt(c.body.key);
      return mutate(
        c,
        {
          action: "connection_key.create",
          targetType: "connection_key",
          targetId: null,
          memberId: null,
        },
        () => {
          const row = c.deps.store.connections.addKey({
            connectionId: connection.id,
            label: c.body.label,
            secret,
            last4: last4Of(c.body.key),
          });
          const dto = providerKeyDto(row);
          const after = {
            ...dto,
            secret_backend: cipher.backend,
            ...(cipher.insecure ? { insecure_storage_acknowledged: true } : {}),
          };
          return { before: null, after, result: dto, targetId: row.id };
        },
      );
    },
  }),
  route({
    method: "patch",
    path: "/connection-keys/:id",
    access: "admin",
    summary: "Re-enable (after a 401 or a quota) or disable a provider key",
    body: PatchConnectionKeyBody,
    response: ConnectionKeyDto,
    handle: (c) => {
      const key = keyOf(c);
      if (key.status === "deleted")
        throw conflict("This connection key has been deleted.", "connection_key_deleted");
      const status = c.body.status;
      // Setting the status it already has changes nothing and writes nothing.
      if (key.status === status) return providerKeyDto(key);
      return mutate(
        c,
        {
          action: "connection_key.update",
          targetType: "connection_key",
          targetId: key.id,
          memberId: null,
        },
        () => {
          const reason = status === "disabled" ? "disabled by an admin" : null;
          c.deps.store.connections.setKeyStatus(key.id, status, reason);
          const after = providerKeyDto(c.deps.store.connections.key(key.id)!);
          return { before: providerKeyDto(key), after, result: after };
        },
      );
    },
  }),
  route({
    method: "delete",
    path: "/connection-keys/:id",
    access: "admin",
    summary: "Delete a provider key (its encrypted secret stays unused; usage is kept)",
    response: ConnectionKeyDto,
    handle: (c) => {
      const key = keyOf(c);
      // Deleting twice changes nothing: the key as it is, and no second audit row.
      if (key.status === "deleted") return providerKeyDto(key);
      return mutate(
        c,
        {
          action: "connection_key.delete",
          targetType: "connection_key",
          targetId: key.id,
          memberId: null,
        },
        () => {
          c.deps.store.connections.setKeyStatus(key.id, "deleted", "deleted by an admin");
          const after = providerKeyDto(c.deps.store.connections.key(key.id)!);
          return { before: providerKeyDto(key), after, result: after };
        },
      );
    },
  }),
  route({
    method: "get",
    path: "/connections/:id/health",
    access: "staff",
    summary: "Live health of the connection's targets (key × upstream model) as pools route by it",
    response: TargetHealthListDto,
    handle: (c) => ({ object: "list", data: connectionHealth(c.deps, connectionOf(c).id) }),
  }),
  route({
    method: "post",
    path: "/connections/:id/test",
    access: "admin",
    summary: "List the upstream's models with the first active key, and measure the latency",
    response: ConnectionTestDto,
    handle: async (c) => {
      const connection = connectionOf(c);
      const key = c.deps.store.connections.keys(connection.id).find((k) => k.status === "active");
      if (!key)
        throw conflict(
          "This connection has no active key: add one, or re-enable one, first.",
          "no_active_key",
        );
      const { cipher } = c.deps;
      let apiKey: string;
      let headers: Record<string, string>;
      try {
        apiKey = cipher.decrypt(key.secret);
        headers = openHeaders(connection, cipher);
      } catch {
        return {
          ok: false,
          key_id: key.id,
          latency_ms: 0,
          models: [],
          error: {
            status: null,
            message:
              "A stored key or credential header cannot be decrypted (the secret key changed, " +
              "or the database came from another machine): enter it again.",
          },
        };
      }
      const scrub = connectionScrub(c.deps.store.connections, cipher, connection);
      const r = await testConnection({ connection, apiKey, headers, scrub });
      return {
        ok: r.ok,
        key_id: key.id,
        latency_ms: r.latencyMs,
        models: r.models,
        ...(r.error ? { error: r.error } : {}),
      };
    },
  }),
  route({
    method: "get",
    path: "/connections/:id/usage",
    access: "staff",
    summary: "Settled usage this connection answered (and attempts that failed on it)",
    query: ConnectionUsageQuery,
    response: ConnectionUsageDto,
    handle: (c) => {
      const connection = connectionOf(c);
      const { start_ms, end_ms } = c.query;
      if (start_ms !== undefined && end_ms !== undefined && end_ms <= start_ms)
        throw invalidRequest("'end_ms' must be after 'start_ms'.", "end_ms");
      const rows = c.deps.usage.byProvider(connection.id, { startMs: start_ms, endMs: end_ms });
      const totals: ConnectionUsageSumsDto = {
        requests: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cached_tokens: 0,
        cost_micros: 0,
        estimated_requests: 0,
        failed_attempts: 0,
      };
      for (const row of rows)
        for (const k of Object.keys(totals) as (keyof ConnectionUsageSumsDto)[])
          totals[k] += row[k];
      return {
        connection_id: connection.id,
        start_ms: start_ms ?? null,
        end_ms: end_ms ?? null,
        totals,
        by_model: rows,
      };
    },
  }),
];
