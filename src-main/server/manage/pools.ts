import {
  AUTO_MODEL,
  DeletedPoolDto,
  PoolDto,
  PoolListDto,
  PutPoolBody,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import { poolDto, poolSnapshot } from "./poolViews.js";
import { conflict, mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";

/** Longest pool (model) id. */
const MAX_ID = 200;

/** The pool id from the path: a model id, which may contain `/` but no spaces or controls. */
function poolId(c: Call): string {
  const id = c.params.id!;
  if (id.length > MAX_ID || !/^[\x21-\x7e]+$/.test(id) || id.split("/").includes(""))
    throw invalidRequest(
      `A pool id is a model id: 1 to ${MAX_ID} visible ASCII characters without spaces or empty '/' segments.`,
      "id",
    );
  return id;
}

async function putPool(c: Call<unknown, PutPoolBody>): Promise<PoolDto> {
  const id = poolId(c);
  const { connections, pools } = c.deps.store;
  if (id === AUTO_MODEL || c.deps.store.routing.alias(id))
    throw conflict(
      `'${id}' is ${id === AUTO_MODEL ? "reserved for routing" : "an alias's id"}: a pool of that name would never be routed to. Pick another id.`,
      "model_id_taken",
    );
  // The local provider is asked first: a pool named like a local model would never be served.
  if (await c.deps.localModelExists(id))
    throw conflict(
      `'${id}' is a local model's id: a pool of that name would never be routed to. Pick another id.`,
      "model_id_taken",
    );
  const seen = new Set<string>();
  c.body.targets.forEach((t, i) => {
    if (!connections.get(t.connection_id))
      throw invalidRequest(
        `No such connection '${t.connection_id}' (unknown or deleted).`,
        `targets[${i}].connection_id`,
      );
    const pair = `${t.connection_id}\n${t.upstream_model}`;
    if (seen.has(pair))
      throw invalidRequest(
        "Each connection and upstream model may appear once per pool.",
        `targets[${i}]`,
      );
    seen.add(pair);
  });
  const { strategy, max_attempts, targets } = c.body;
  const result = mutate(
    c,
    { action: "pool.set", targetType: "pool", targetId: id, memberId: null },
    () => {
      const before = pools.get(id);
      const after = pools.put({
        id,
        strategy,
        maxAttempts: max_attempts,
        targets: targets.map((t) => ({
          connectionId: t.connection_id,
          upstreamModel: t.upstream_model,
          priority: t.priority,
          weight: t.weight,
        })),
      });
      return {
        before: before ? poolSnapshot(before) : null,
        after: poolSnapshot(after),
        result: after,
      };
    },
  );
  return poolDto(c.deps, result);
}

/**
 * Pools: one model id served by several connections (and upstream model ids), with a routing
 * strategy and failover. Ids are model ids, which may contain `/`: the path is a wildcard.
 */
export const poolRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/pools",
    access: "staff",
    summary: "Every pool, with its targets and each target's live health",
    response: PoolListDto,
    handle: (c) => {
      const health = c.deps.poolHealth();
      return {
        object: "list",
        data: c.deps.store.pools.list().map((p) => poolDto(c.deps, p, health)),
      };
    },
  }),
  route({
    method: "get",
    path: "/pools/*id",
    access: "staff",
    summary: "One pool, with its targets and each target's live health",
    response: PoolDto,
    handle: (c) => {
      const pool = c.deps.store.pools.get(c.params.id!);
      if (!pool) throw notFound("pool");
      return poolDto(c.deps, pool);
    },
  }),
  route({
    method: "put",
    path: "/pools/*id",
    access: "admin",
    summary: "Create or replace the pool serving a model id: strategy, attempts, targets",
    body: PutPoolBody,
    response: PoolDto,
    handle: putPool,
  }),
  route({
    method: "delete",
    path: "/pools/*id",
    access: "admin",
    summary: "Delete a pool (its model id stops being served)",
    response: DeletedPoolDto,
    handle: (c) => {
      const before = c.deps.store.pools.get(c.params.id!);
      if (!before) throw notFound("pool");
      return mutate(
        c,
        { action: "pool.delete", targetType: "pool", targetId: before.id, memberId: null },
        () => {
          c.deps.store.pools.remove(before.id);
          return {
            before: poolSnapshot(before),
            after: null,
            result: { id: before.id, deleted: true as const },
          };
        },
      );
    },
  }),
];
