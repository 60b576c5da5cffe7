import { ApiKeyDto, ApiKeyListDto, CreateKeyBody, CreatedKeyDto } from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import { generateApiKey } from "../../policy/apiKeys.js";
import { changeableMember, seesEveryone, visibleMember } from "./access.js";
import { keyDto } from "./dto.js";
import { maxKeysPerMember, refuseOverKeyLimit } from "./keyLimit.js";
import { forbidden, mutate, notFound, route, type Call, type ManageRoute } from "./routeTable.js";

/**
 * API keys. The plain key exists only in the response to its creation: the store keeps its
 * SHA-256, lists show prefix and last 4, and the audit row masks it. Revocation is a single
 * UPDATE that authentication reads on every request, so it holds from the very next request.
 */
export const keyRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/members/:id/keys",
    access: "any",
    summary: "A member's keys, revoked and expired ones included (never the key itself)",
    response: ApiKeyListDto,
    handle: (c) => {
      const member = visibleMember(c, c.params.id!);
      const keys = c.deps.store.keys.listForMember(member.id);
      return { object: "list", data: keys.map((k) => keyDto(k, c.now)) };
    },
  }),
  route({
    method: "post",
    path: "/members/:id/keys",
    access: "self",
    summary:
      "Create a key; the response is the only time the key is shown (at most max_keys_per_member live keys, default 20)",
    body: CreateKeyBody,
    response: CreatedKeyDto,
    status: 201,
    handle: (c) => {
      const member = changeableMember(c, c.params.id!);
      const expiresMs = c.body.expires_ms ?? null;
      if (expiresMs !== null && expiresMs <= c.now)
        throw invalidRequest("'expires_ms' must be in the future.", "expires_ms");
      const key = generateApiKey();
      return mutate(
        c,
        { action: "key.create", targetType: "api_key", targetId: null, memberId: member.id },
        () => {
          // Counted inside the write transaction: two requests at once cannot both pass.
          const { keys, settings } = c.deps.store;
          refuseOverKeyLimit(
            keys.countLiveForMember(member.id),
            maxKeysPerMember(settings),
            member.id === c.principal.memberId,
          );
          const row = c.deps.store.keys.create({
            memberId: member.id,
            name: c.body.name,
            hash: key.hash,
            prefix: key.prefix,
            last4: key.last4,
            expiresMs,
          });
          const dto = keyDto(row, c.now);
          return { before: null, after: dto, result: { ...dto, key: key.plain }, targetId: row.id };
        },
      );
    },
  }),
  route({
    method: "delete",
    path: "/keys/:id",
    access: "self",
    summary: "Revoke a key (members: their own); effective on the very next request",
    response: ApiKeyDto,
    handle: (c) => revokeKey(c),
  }),
];

function revokeKey(c: Call) {
  const { deps, principal } = c;
  const key = deps.store.keys.get(c.params.id!);
  if (!key || (!seesEveryone(c) && key.memberId !== principal.memberId)) throw notFound("key");
  const owner = deps.store.members.get(key.memberId);
  if (
    principal.role === "admin" &&
    key.memberId !== principal.memberId &&
    owner?.role !== "member" &&
    owner?.role !== "viewer"
  )
    throw forbidden("Admins cannot revoke keys of the owner or other admins.");
  // Revoking twice changes nothing: the key as it is, and no second audit row.
  if (key.revokedMs !== null) return keyDto(key, c.now);
  return mutate(
    c,
    { action: "key.revoke", targetType: "api_key", targetId: key.id, memberId: key.memberId },
    () => {
      deps.store.keys.revoke(key.id);
      const after = keyDto(deps.store.keys.get(key.id)!, c.now);
      return { before: keyDto(key, c.now), after, result: after };
    },
  );
}
